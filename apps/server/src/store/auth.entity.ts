import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** PostgreSQL returns `bigint` as text; every timestamp here is epoch milliseconds, safe as a number. */
const epochMs = { to: (value: number): number => value, from: (value: string | number): number => Number(value) };

/** One account that may sign in. Only a bcrypt hash of the password is ever stored. */
@Entity({ name: 'auth_users' })
export class AuthUserRecord {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  username!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 100 })
  passwordHash!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt!: number;
}

/**
 * A signed-in browser. Keyed by the SHA-256 of the cookie's token, so a copy of the database
 * does not hand out sessions; in the database (not in memory) so replicas share them.
 */
@Entity({ name: 'auth_sessions' })
@Index('idx_auth_sessions_expires_at', ['expiresAt'])
export class AuthSessionRecord {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 64 })
  username!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}
