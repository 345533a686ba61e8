import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { StoreLock } from '../store/store-lock';
import { Clock } from '../common/clock';
import { durationMs } from '../config/config.loader';
import type { AppConfig } from '../config/config.schema';
import type { AppLogger } from '../logging/logger';
import { AdminAccount } from './admin-account';
import { AuthService } from './auth.service';
import { LiveSessions } from './live-sessions';
import { LoginRateLimiter } from './login-rate-limiter';
import { PasswordHasher } from './password-hasher';
import { SecretGenerator } from './secret-generator';
import { SessionCookies } from './session-cookies';
import { SessionStore } from './session-store';

/** Sign-in's part of the composition root. The admin account is made sure of before the port opens. */
export function authProviders(config: AppConfig, logger: AppLogger): Provider[] {
  const auth = config.peregrine.auth;
  return [
    { provide: PasswordHasher, useFactory: () => new PasswordHasher() },
    { provide: SecretGenerator, useFactory: () => new SecretGenerator() },
    { provide: SessionStore, useFactory: (dataSource: DataSource, lock: StoreLock) => new SessionStore(dataSource, lock), inject: [DataSource, StoreLock] },
    {
      provide: AuthService,
      useFactory: async (dataSource: DataSource, lock: StoreLock, hasher: PasswordHasher, secrets: SecretGenerator, sessions: SessionStore, clock: Clock) => {
        const nowMs = (): number => clock.nowMs();
        if (auth.enabled) {
          await new AdminAccount(dataSource, lock, hasher, secrets, sessions, logger.child({ component: 'auth' }), nowMs).ensure({ username: auth.username, configuredPassword: auth.admin_password });
        }
        const limiter = new LoginRateLimiter({ maxFailures: auth.login_max_failures, windowMs: durationMs(auth.login_window) }, nowMs);
        return new AuthService(dataSource, hasher, secrets, sessions, limiter, { enabled: auth.enabled, sessionTtlMs: durationMs(auth.session_ttl) }, nowMs);
      },
      inject: [DataSource, StoreLock, PasswordHasher, SecretGenerator, SessionStore, Clock],
    },
    {
      provide: LiveSessions,
      useFactory: (service: AuthService, clock: Clock) => {
        const live = new LiveSessions(() => clock.nowMs());
        service.onSessionsEnded((tokenHashes) => live.end(tokenHashes));
        if (service.enabled) live.start();
        return live;
      },
      inject: [AuthService, Clock],
    },
    { provide: SessionCookies, useFactory: (service: AuthService) => new SessionCookies(service, config.peregrine.base_path, logger.child({ component: 'auth' })), inject: [AuthService] },
  ];
}
