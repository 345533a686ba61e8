import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateDeliveries1732300000001 implements MigrationInterface {
  name = 'CreateDeliveries1732300000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'deliveries',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'alert_uuid', type: 'varchar', length: '36' },
          { name: 'output', type: 'varchar', length: '64' },
          { name: 'state', type: 'varchar', length: '8' },
          { name: 'attempts', type: 'integer' },
          { name: 'next_attempt_at', type: 'bigint' },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_error', type: 'text', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex('deliveries', new TableIndex({ name: 'idx_deliveries_due', columnNames: ['output', 'state', 'next_attempt_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('deliveries');
  }
}
