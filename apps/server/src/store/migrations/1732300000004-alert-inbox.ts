import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The acknowledgement path's inbox on PostgreSQL: a narrow table with nothing but its key, from
 * which the alerts table and its query indexes are filled in the background (AlertsRepository).
 * SQLite keeps its inbox outside the database, in a journal of its own (`*.journal/`, see
 * JournalInbox), so that appends and the background indexing never wait for each other's
 * write lock.
 */
export class AlertInbox1732300000004 implements MigrationInterface {
  name = 'AlertInbox1732300000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query('CREATE TABLE IF NOT EXISTS "alert_inbox" ("id" BIGSERIAL PRIMARY KEY, "entry" TEXT NOT NULL)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query('DROP TABLE IF EXISTS "alert_inbox"');
  }
}
