import Fastify, { type FastifyInstance } from 'fastify';
import type { AppLogger } from '../logging/logger';
import type { AuditIngestService } from './audit-ingest.service';
import type { AuditMetrics } from './audit-metrics';
import { registerAuditRoutes } from './audit-routes';
import { type ListenerTimeouts, timedServerFactory } from '../web/listener-timeouts';
import type { SecureListener } from '../web/server-tls';
import type { IngestAuthenticator } from '../ingest/ingest-auth';

export interface AuditListenerSettings {
  address: string;
  ports: readonly number[];
  maxBodyBytes: number;
  timeouts: ListenerTimeouts;
  /** HTTPS (`tlsserver.deploy`), with client certificates required under `tlsserver.mutualtls`, as on port 2801. */
  tls?: SecureListener;
  /** `peregrine.ingest.auth`: a token on every audit path; undefined when off. */
  auth?: IngestAuthenticator | undefined;
}

/**
 * Extra ports that serve only the audit webhook (and /healthz), so an apiserver whose webhook
 * kubeconfig names Falco's old port (8765), the k8saudit plugin's (9765) or the Sysdig agent's
 * (7765) keeps working when Peregrine takes their place.
 */
export class AuditListeners {
  private readonly servers: FastifyInstance[] = [];

  constructor(
    private readonly audit: AuditIngestService,
    private readonly metrics: AuditMetrics,
    private readonly logger: AppLogger,
    private readonly settings: AuditListenerSettings,
  ) {}

  async listen(): Promise<string[]> {
    const urls: string[] = [];
    for (const port of this.settings.ports) {
      const server = Fastify({ serverFactory: timedServerFactory(this.settings.timeouts, this.settings.tls), return503OnClosing: true, forceCloseConnections: 'idle' });
      server.all('/healthz', async (_request, reply) => reply.type('application/json').send('{"status": "ok"}'));
      await registerAuditRoutes(server, this.audit, this.metrics, this.logger, { prefix: '', maxBodyBytes: this.settings.maxBodyBytes, auth: this.settings.auth });
      const url = await server.listen({ port, host: this.settings.address === '' ? '::' : this.settings.address });
      // Fastify names the scheme from its own `https` option, which the server factory bypasses.
      urls.push(this.settings.tls ? url.replace(/^http:/, 'https:') : url);
      this.servers.push(server);
    }
    if (urls.length > 0) this.logger.info({ urls }, 'audit webhook listening on extra ports');
    return urls;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.close()));
  }
}
