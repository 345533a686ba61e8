import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One stored alert. Everything the dashboard filters or groups on is a real, indexed column;
 * the alert's own JSON parts (output fields, tags) are kept as lossless JSON text so numbers
 * come back digit for digit. The same entity serves SQLite and PostgreSQL.
 */
@Entity({ name: 'alerts' })
// One index per filterable dimension, each holding every other one (see the query-indexes migration).
@Index('idx_alerts_time_dims', ['timeNs', 'priorityValue', 'rule', 'source', 'cluster', 'hostname', 'k8sNamespace'])
@Index('idx_alerts_priority_dims', ['priorityValue', 'timeNs', 'rule', 'source', 'cluster', 'hostname', 'k8sNamespace'])
@Index('idx_alerts_rule_dims', ['rule', 'priorityValue', 'timeNs', 'source', 'cluster', 'hostname', 'k8sNamespace'])
@Index('idx_alerts_source_dims', ['source', 'priorityValue', 'timeNs', 'rule', 'cluster', 'hostname', 'k8sNamespace'])
@Index('idx_alerts_cluster_dims', ['cluster', 'priorityValue', 'timeNs', 'rule', 'source', 'hostname', 'k8sNamespace'])
@Index('idx_alerts_hostname_dims', ['hostname', 'priorityValue', 'timeNs', 'rule', 'source', 'cluster', 'k8sNamespace'])
@Index('idx_alerts_k8s_namespace_dims', ['k8sNamespace', 'priorityValue', 'timeNs', 'rule', 'source', 'cluster', 'hostname'])
export class AlertRecord {
  /** Monotonic insertion order: the cursor for pagination and the outbox. */
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index('idx_alerts_uuid', { unique: true })
  @Column({ type: 'varchar', length: 36 })
  uuid!: string;

  /**
   * Nanoseconds since the epoch. Written from a decimal string so SQLite stores the exact
   * int64; read back through `time` (the text) rather than as a lossy JS number.
   */
  @Column({ name: 'time_ns', type: 'bigint' })
  timeNs!: string;

  /** RFC 3339 with nanoseconds, UTC. */
  @Column({ type: 'varchar', length: 40 })
  time!: string;

  @Column({ type: 'varchar', length: 16 })
  priority!: string;

  /** 1 (Debug) … 8 (Emergency), for `priority >= X` filters. */
  @Column({ name: 'priority_value', type: 'smallint' })
  priorityValue!: number;

  @Column({ type: 'varchar', length: 512 })
  rule!: string;

  @Column({ type: 'varchar', length: 128 })
  source!: string;

  @Column({ type: 'varchar', length: 255 })
  hostname!: string;

  @Column({ type: 'varchar', length: 255 })
  cluster!: string;

  @Column({ name: 'k8s_namespace', type: 'varchar', length: 255, nullable: true })
  k8sNamespace!: string | null;

  @Column({ name: 'k8s_pod', type: 'varchar', length: 255, nullable: true })
  k8sPod!: string | null;

  @Column({ type: 'text' })
  output!: string;

  /** Lossless JSON object. */
  @Column({ name: 'output_fields', type: 'text' })
  outputFields!: string;

  /** JSON array of strings, sorted. */
  @Column({ type: 'text' })
  tags!: string;

  /** Milliseconds since the epoch when Peregrine stored it (retention works on this). */
  @Index('idx_alerts_received_at')
  @Column({ name: 'received_at', type: 'bigint' })
  receivedAt!: number;
}
