import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Failed sign-ins, counted by every replica alike (LoginRateLimiter); rows older than the
 * window are deleted as new ones arrive.
 */
export class LoginFailures1732300000006 implements MigrationInterface {
  name = 'LoginFailures1732300000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'auth_login_failures',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'client', type: 'varchar', length: '255' },
          { name: 'failed_at', type: 'bigint' },
        ],
      }),
      true,
    );
    await queryRunner.createIndex('auth_login_failures', new TableIndex({ name: 'idx_auth_login_failures_client', columnNames: ['client', 'failed_at'] }));
    await queryRunner.createIndex('auth_login_failures', new TableIndex({ name: 'idx_auth_login_failures_failed_at', columnNames: ['failed_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_login_failures', true);
  }
}
