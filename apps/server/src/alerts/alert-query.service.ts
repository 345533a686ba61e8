import { DataSource } from 'typeorm';
import { PeregrineError } from '../common/errors';
import { AlertRecord } from './alert.entity';
import { fromRow, type StoredAlert } from './alert-record.mapper';

/** Reads from the store. Filtering and pagination grow here with the dashboard. */
export class AlertQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async latest(limit: number): Promise<StoredAlert[]> {
    const rows = await this.dataSource.getRepository(AlertRecord).find({ order: { id: 'DESC' }, take: Math.min(Math.max(limit, 1), 1000) });
    return rows.map(fromRow);
  }

  async byUuid(uuid: string): Promise<StoredAlert> {
    const row = await this.dataSource.getRepository(AlertRecord).findOne({ where: { uuid: uuid.toLowerCase() } });
    if (!row) throw new PeregrineError('NOT_FOUND', `no alert with uuid ${uuid}`);
    return fromRow(row);
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(AlertRecord).count();
  }
}
