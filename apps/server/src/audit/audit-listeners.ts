import Fastify, { type FastifyInstance } from 'fastify';
import type { AppLogger } from '../logging/logger';
import type { AuditIngestService } from './audit-ingest.service';
import type { AuditMetrics } from './audit-metrics';
import { registerAuditRoutes } from './audit-routes';
import { type ListenerTimeouts, timedServerFactory } from '../web/listener-timeouts';

export interface AuditListenerSettings {
  address: string;
  ports: readonly number[];
  maxBodyBytes: number;
  timeouts: ListenerTimeouts;
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
      const server = Fastify({ serverFactory: timedServerFactory(this.settings.timeouts), return503OnClosing: true, forceCloseConnections: 'idle' });
      server.all('/healthz', async (_request, reply) => reply.type('application/json').send('{"status": "ok"}'));
      await registerAuditRoutes(server, this.audit, this.metrics, this.logger, { prefix: '', maxBodyBytes: this.settings.maxBodyBytes });
      urls.push(await server.listen({ port, host: this.settings.address === '' ? '::' : this.settings.address }));
      this.servers.push(server);
    }
    if (urls.length > 0) this.logger.info({ urls }, 'audit webhook listening on extra ports');
    return urls;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.close()));
  }
}
