import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type DeliveryState = 'pending' | 'dead';

/**
 * The outbox: one row per (alert, output it routes to), written in the transaction that stores
 * the alert. A delivered row is deleted; a row that can never be delivered becomes `dead` and
 * stays, visible and replayable.
 */
@Entity({ name: 'deliveries' })
@Index('idx_deliveries_due', ['output', 'state', 'nextAttemptAt'])
export class DeliveryRecord {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'alert_uuid', type: 'varchar', length: 36 })
  alertUuid!: string;

  /** Output instance name. */
  @Column({ type: 'varchar', length: 64 })
  output!: string;

  @Column({ type: 'varchar', length: 8 })
  state!: DeliveryState;

  @Column({ type: 'integer' })
  attempts!: number;

  /** Milliseconds since the epoch. */
  @Column({ name: 'next_attempt_at', type: 'bigint' })
  nextAttemptAt!: number;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt!: number;

  /** Redacted. */
  /** The replica sending it right now (PostgreSQL); null otherwise. */
  @Column({ name: 'claimed_by', type: 'varchar', length: 64, nullable: true })
  claimedBy!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}
