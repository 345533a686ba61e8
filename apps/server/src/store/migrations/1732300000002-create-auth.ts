import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateAuth1732300000002 implements MigrationInterface {
  name = 'CreateAuth1732300000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'auth_users',
        columns: [
          { name: 'username', type: 'varchar', length: '64', isPrimary: true },
          { name: 'password_hash', type: 'varchar', length: '100' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_sessions',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'username', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndex('auth_sessions', new TableIndex({ name: 'idx_auth_sessions_expires_at', columnNames: ['expires_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_sessions');
    await queryRunner.dropTable('auth_users');
  }
}
