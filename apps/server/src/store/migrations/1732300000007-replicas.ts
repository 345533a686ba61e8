import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** The replicas sharing this store, each with the rules it runs, refreshed by a heartbeat (ReplicasRepository). */
export class Replicas1732300000007 implements MigrationInterface {
  name = 'Replicas1732300000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'replicas',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'hostname', type: 'varchar', length: '255' },
          { name: 'started_at', type: 'bigint' },
          { name: 'last_seen', type: 'bigint' },
          { name: 'rules_generation', type: 'integer' },
          { name: 'rules_fingerprint', type: 'varchar', length: '64', isNullable: true },
          { name: 'rules_loaded_at', type: 'varchar', length: '40', isNullable: true },
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('replicas', true);
  }
}
