import type { Provider } from '@nestjs/common';
import { LIVE_FANOUT } from '../app/tokens';
import type { ReplicaFanout } from '../live/replica-fanout';
import { Store } from '../store/store';
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

/** Sign-in's part of the composition root. The admin account is made sure of before the port opens. */
export function authProviders(config: AppConfig, logger: AppLogger): Provider[] {
  const auth = config.peregrine.auth;
  return [
    { provide: PasswordHasher, useFactory: () => new PasswordHasher() },
    { provide: SecretGenerator, useFactory: () => new SecretGenerator() },
    {
      provide: AuthService,
      useFactory: async (store: Store, hasher: PasswordHasher, secrets: SecretGenerator, clock: Clock) => {
        const nowMs = (): number => clock.nowMs();
        if (auth.enabled) {
          await new AdminAccount(store.accounts, hasher, secrets, logger.child({ component: 'auth' }), nowMs).ensure({ username: auth.username, configuredPassword: auth.admin_password });
        }
        // Failures are counted in the store: every replica of a PostgreSQL store sees the same ones.
        const limiter = new LoginRateLimiter({ maxFailures: auth.login_max_failures, windowMs: durationMs(auth.login_window) }, nowMs, store.accounts);
        return new AuthService(store.accounts, hasher, secrets, limiter, { enabled: auth.enabled, sessionTtlMs: durationMs(auth.session_ttl) }, nowMs);
      },
      inject: [Store, PasswordHasher, SecretGenerator, Clock],
    },
    {
      provide: LiveSessions,
      useFactory: (service: AuthService, clock: Clock, fanout: ReplicaFanout | undefined) => {
        const live = new LiveSessions(() => clock.nowMs());
        // A sign-out closes the session's sockets on every replica.
        service.onSessionsEnded((tokenHashes) => {
          live.end(tokenHashes);
          fanout?.endSessions(tokenHashes);
        });
        fanout?.onRemoteSessionsEnded((tokenHashes) => live.end(tokenHashes));
        if (service.enabled) live.start();
        return live;
      },
      inject: [AuthService, Clock, LIVE_FANOUT],
    },
    { provide: SessionCookies, useFactory: (service: AuthService) => new SessionCookies(service, config.peregrine.base_path, logger.child({ component: 'auth' })), inject: [AuthService] },
  ];
}
