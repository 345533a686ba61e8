import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * Which replica has claimed a delivery it is sending (PostgreSQL, several replicas), cleared
 * when the outcome is recorded. A due row that still names a claimant was left by a replica
 * that stopped mid-delivery: sending it again may send it twice, and that is counted.
 */
export class DeliveryClaims1732300000008 implements MigrationInterface {
  name = 'DeliveryClaims1732300000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('deliveries', new TableColumn({ name: 'claimed_by', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('deliveries', 'claimed_by');
  }
}
