import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL only: the table socket.io's PostgreSQL adapter keeps payloads in that do not fit a
 * NOTIFY (8 000 bytes), e.g. a batch of alerts for the other replicas' dashboards (ReplicaFanout).
 * The adapter deletes old rows itself.
 */
export class LiveAttachments1732300000005 implements MigrationInterface {
  name = 'LiveAttachments1732300000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query('CREATE TABLE IF NOT EXISTS "socket_io_attachments" ("id" BIGSERIAL UNIQUE, "created_at" TIMESTAMPTZ DEFAULT NOW(), "payload" BYTEA)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query('DROP TABLE IF EXISTS "socket_io_attachments"');
  }
}
