import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateAlerts1732300000000 implements MigrationInterface {
  name = 'CreateAlerts1732300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'alerts',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'uuid', type: 'varchar', length: '36' },
          { name: 'time_ns', type: 'bigint' },
          { name: 'time', type: 'varchar', length: '40' },
          { name: 'priority', type: 'varchar', length: '16' },
          { name: 'priority_value', type: 'smallint' },
          { name: 'rule', type: 'varchar', length: '512' },
          { name: 'source', type: 'varchar', length: '128' },
          { name: 'hostname', type: 'varchar', length: '255' },
          { name: 'cluster', type: 'varchar', length: '255' },
          { name: 'k8s_namespace', type: 'varchar', length: '255', isNullable: true },
          { name: 'k8s_pod', type: 'varchar', length: '255', isNullable: true },
          { name: 'output', type: 'text' },
          { name: 'output_fields', type: 'text' },
          { name: 'tags', type: 'text' },
          { name: 'received_at', type: 'bigint' },
        ],
      }),
    );
    const index = (name: string, columns: string[], isUnique = false): TableIndex => new TableIndex({ name, columnNames: columns, isUnique });
    for (const idx of [
      index('idx_alerts_uuid', ['uuid'], true),
      index('idx_alerts_time_ns', ['time_ns']),
      index('idx_alerts_priority', ['priority']),
      index('idx_alerts_rule', ['rule']),
      index('idx_alerts_source', ['source']),
      index('idx_alerts_hostname', ['hostname']),
      index('idx_alerts_cluster', ['cluster']),
      index('idx_alerts_k8s_namespace', ['k8s_namespace']),
      index('idx_alerts_k8s_pod', ['k8s_pod']),
      index('idx_alerts_received_at', ['received_at']),
    ]) {
      await queryRunner.createIndex('alerts', idx);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('alerts');
  }
}
