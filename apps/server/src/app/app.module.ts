import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AlertQueries } from '../store/alert-queries';
import { AlertWriter } from '../ingest/alert-writer';
import { AlertsController } from '../alerts/alerts.controller';
import { SidekickUiController } from '../alerts/sidekick-ui.controller';
import { RetentionService } from '../alerts/retention.service';
import { Clock } from '../common/clock';
import { Store } from '../store/store';
import { LiveGateway } from '../live/live.gateway';
import { ReplicaFanout } from '../live/replica-fanout';
import { registerStoreMetrics } from '../store/store-metrics';
import type { AppConfig } from '../config/config.schema';
import { FalcoCompatServer } from '../ingest/falco-compat.server';
import { IngestController } from '../ingest/ingest.controller';
import { IngestPipeline } from '../ingest/ingest-pipeline';
import type { AppLogger } from '../logging/logger';
import { Metrics } from '../metrics/metrics';
import { MetricsController } from '../metrics/metrics.controller';
import { ErrorFilter } from '../web/error.filter';
import { createSender, OUTPUTS, type OutputInstance } from '@peregrine/outputs';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { type DeliveryControl, Dispatcher } from '../delivery/dispatcher';
import { DeliveryThread, deliveryThreadWorkerFile } from '../delivery/delivery-thread';
import { RoutingTable } from '../delivery/routing';
import { OutputsController } from '../delivery/outputs.controller';
import { DeliveryMetrics, OutputsService } from '../delivery/outputs.service';
import { OutputsCatalogService } from '../delivery/outputs-catalog.service';
import { HealthController } from '../web/health.controller';
import { auditSettings, databaseSettings, enrichmentSettings, indexerSettings, metricsSettings, outputTlsMaterial, retentionSettings, retrySettings, rulesSettings, rulesTestLimits } from './settings';
import { AuditController } from '../audit/audit.controller';
import { AuditIngestService } from '../audit/audit-ingest.service';
import { AuditListeners } from '../audit/audit-listeners';
import { AuditMetrics } from '../audit/audit-metrics';
import { registerAuditRoutes } from '../audit/audit-routes';
import { RecentAuditEvents } from '../audit/recent-audit-events';
import { RulesFileReader } from '../rules/rules-files';
import { RulesTestThread } from '../rules/rules-test-thread';
import { RulesController } from '../rules/rules.controller';
import { RulesService } from '../rules/rules.service';
import { ReplicaRegistry } from '../rules/replica-registry';
import { dashboardDirectory } from './dashboard';
import { APP_CONFIG, DELIVERY, LIVE_FANOUT, LOGGER } from './tokens';
import { AuthController } from '../auth/auth.controller';
import { authProviders } from '../auth/auth.providers';
import { AboutController } from '../about/about.controller';
import { AboutService } from '../about/about.service';
import { VERSION } from '../version';
import { listenerTimeoutsOf } from '../web/listener-timeouts';
import type { IngestAuthenticator } from '../ingest/ingest-auth';
import { INGEST_AUTH, ingestAuthProviders } from '../ingest/ingest-auth.providers';
import type { ServerTls } from '../web/server-tls';

/** Starts and stops what runs beside the HTTP API, in dependency order. */
class Lifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(FalcoCompatServer) private readonly compat: FalcoCompatServer,
    @Inject(RetentionService) private readonly retention: RetentionService,
    @Inject(AlertWriter) private readonly writer: AlertWriter,
    @Inject(DELIVERY) private readonly delivery: DeliveryControl,
    @Inject(Store) private readonly store: Store,
    @Inject(RulesService) private readonly rules: RulesService,
    @Inject(AuditListeners) private readonly auditListeners: AuditListeners,
    @Inject(LIVE_FANOUT) private readonly fanout: ReplicaFanout | undefined,
    @Inject(ReplicaRegistry) private readonly replicas: ReplicaRegistry,
    @Inject(LOGGER) private readonly logger: AppLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // What a previous run acknowledged but had not indexed yet (a crash) is indexed first.
    const { entries, torn } = this.store.alerts.recovered;
    if (entries > 0 || torn > 0) this.logger.info({ code: 'STORE_RECOVERED', alerts: entries, tornLines: torn }, 'indexing alerts a previous run acknowledged but had not indexed yet');
    await this.store.indexer.indexAll();
    await this.retention.sweep();
    this.retention.start();
    // Resumes whatever a previous run left in the outbox.
    this.delivery.start();
    await this.replicas.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.retention.stop();
    await this.replicas.stop();
    this.rules.stop();
    await this.auditListeners.close();
    await this.compat.close();
    // Everything acknowledged is already durable; this waits for appends in flight.
    await this.writer.drain();
    // Deliveries not finished stay in the outbox for the next start.
    await this.delivery.stop();
    await this.fanout?.close();
    // Indexes what the inbox still holds, then closes the files.
    await this.store.close();
  }
}

@Module({})
export class AppModule {
  /** `tls`: the listeners' certificate (`tlsserver.deploy`), loaded before the main port's server exists. */
  static forRoot(config: AppConfig, logger: AppLogger, outputs: readonly OutputInstance[] = [], tls?: ServerTls): DynamicModule {
    // This process among the replicas of the store: on the deliveries it claims and in the replicas list.
    const replica = { id: randomUUID(), hostname: hostname() };
    return {
      module: AppModule,
      controllers: [IngestController, AlertsController, SidekickUiController, MetricsController, HealthController, OutputsController, RulesController, AuditController, AuthController, AboutController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        Clock,
        LiveGateway,
        {
          // Several replicas share one PostgreSQL: their dashboards see every replica's alerts.
          provide: LIVE_FANOUT,
          useFactory: (clock: Clock) =>
            config.peregrine.db.driver === 'postgres'
              ? new ReplicaFanout(config.peregrine.db.url, () => clock.nowMs(), (err) => logger.error({ code: 'LIVE_FANOUT_FAILED', err }, 'live pushes between replicas failed'))
              : undefined,
          inject: [Clock],
        },
        {
          provide: Store,
          useFactory: (clock: Clock, metrics: Metrics) =>
            Store.open(databaseSettings(config), {
              settings: indexerSettings(config),
              clock,
              observer: {
                indexed: (batch, seconds) => metrics.storeIndexSeconds.observe(seconds),
                failed: (err) => {
                  metrics.storeFailures.inc();
                  logger.error({ code: 'STORE_UNAVAILABLE', err }, 'acknowledged alerts could not be indexed yet; they stay in the inbox and are retried');
                },
              },
            }),
          inject: [Clock, Metrics],
        },
        { provide: Metrics, useFactory: () => new Metrics(metricsSettings(config), (label) => logger.error({ label }, 'invalid Prometheus label name skipped')) },
        {
          provide: AlertWriter,
          useFactory: (store: Store, clock: Clock, metrics: Metrics) => {
            registerStoreMetrics(metrics, store.alerts);
            return new AlertWriter(store.alerts, clock, { maxBatch: 500, maxPending: 20_000 }, {
              batchCommitted: (rows, seconds) => {
                metrics.storeWriteSeconds.observe(seconds);
                metrics.ingestBatchSize.observe(rows);
                metrics.alertsStored.inc(rows);
              },
              batchFailed: (rows, err) => {
                metrics.storeFailures.inc();
                logger.error({ code: 'STORE_UNAVAILABLE', rows, err }, 'alert batch could not be committed');
              },
            }, () => store.indexer.roomForAppend());
          },
          inject: [Store, Clock, Metrics],
        },
        {
          provide: DELIVERY,
          useFactory: (store: Store, clock: Clock, metrics: Metrics): DeliveryControl => {
            const tls = outputTlsMaterial(config, outputs);
            const observer = new DeliveryMetrics(metrics, () => store.deliveries.queueDepth(), outputs);
            const database = databaseSettings(config);
            let delivery: DeliveryControl;
            // Its own thread, with its own connection to the store (an in-memory SQLite store has
            // only the one); on the event loop only without outputs or without a build (a
            // developer's vitest run from the sources).
            const ownThread = outputs.length > 0 && !(database.driver === 'sqlite' && database.path === ':memory:');
            if (ownThread && existsSync(deliveryThreadWorkerFile())) {
              delivery = new DeliveryThread({ database, retry: retrySettings(config), claimant: replica.id, ...(tls ? { tls } : {}) }, outputs, observer, logger);
            } else {
              if (ownThread) logger.warn({ code: 'DELIVERY_THREAD_MISSING' }, 'the delivery thread is not built; outputs deliver from the event loop');
              const senders = outputs.map((instance) => createSender(instance, tls ? { tls } : {}));
              delivery = new Dispatcher(store.deliveries, store.alerts, senders, clock, retrySettings(config), observer, logger.child({ component: 'delivery' }), replica.id);
            }
            // Deliveries exist once their alerts are indexed: that is when the dispatcher looks.
            store.indexer.onDeliveriesQueued((queued) => delivery.wake(queued.keys()));
            return delivery;
          },
          inject: [Store, Clock, Metrics],
        },
        {
          provide: OutputsService,
          useFactory: (store: Store, delivery: DeliveryControl, clock: Clock) => new OutputsService(store.deliveries, outputs, delivery, clock),
          inject: [Store, DELIVERY, Clock],
        },
        { provide: OutputsCatalogService, useFactory: () => new OutputsCatalogService(OUTPUTS) },
        {
          provide: IngestPipeline,
          useFactory: (writer: AlertWriter, store: Store, live: LiveGateway, metrics: Metrics, clock: Clock) =>
            new IngestPipeline(writer, RoutingTable.compile(outputs).table, live, store.indexer, metrics, clock, { enrichment: enrichmentSettings(config), defaultCluster: config.peregrine.cluster_name }),
          inject: [AlertWriter, Store, LiveGateway, Metrics, Clock],
        },
        { provide: AlertQueries, useFactory: (store: Store) => store.queries, inject: [Store] },
        {
          provide: RetentionService,
          useFactory: (store: Store, clock: Clock) => new RetentionService(store.alerts, clock, retentionSettings(config), logger),
          inject: [Store, Clock],
        },
        {
          provide: FalcoCompatServer,
          useFactory: async (ingest: IngestPipeline, metrics: Metrics, audit: AuditIngestService, auditMetrics: AuditMetrics, auth: IngestAuthenticator | undefined) => {
            const compat = new FalcoCompatServer(ingest, metrics, logger, {
              auth,
              address: config.listenaddress,
              port: config.listenport,
              maxBodyBytes: config.peregrine.ingest.max_body_bytes,
              timeouts: listenerTimeoutsOf(config),
              ...(tls ? { tls: tls.listener('ingest'), plainHttp: { port: config.tlsserver.notlsport, paths: config.tlsserver.notlspaths } } : {}),
            });
            await registerAuditRoutes(compat.server, audit, auditMetrics, logger, { prefix: '', maxBodyBytes: config.peregrine.audit.max_body_bytes, auth });
            return compat;
          },
          inject: [IngestPipeline, Metrics, AuditIngestService, AuditMetrics, INGEST_AUTH],
        },
        { provide: AuditMetrics, useFactory: (metrics: Metrics) => new AuditMetrics(metrics.registry, metricsSettings(config).labelBounds), inject: [Metrics] },
        { provide: RecentAuditEvents, useFactory: () => new RecentAuditEvents(config.peregrine.audit.recent_events, config.peregrine.audit.recent_max_bytes) },
        {
          provide: RulesService,
          useFactory: async (clock: Clock, auditMetrics: AuditMetrics) => {
            const rules = new RulesService(new RulesFileReader(), rulesSettings(config), clock, logger.child({ component: 'rules' }), new RulesTestThread(rulesTestLimits(config)));
            rules.onReload((status) => auditMetrics.rulesReloads.inc({ result: status.ok ? 'ok' : 'error' }));
            await rules.start();
            return rules;
          },
          inject: [Clock, AuditMetrics],
        },
        {
          provide: ReplicaRegistry,
          useFactory: (store: Store, rules: RulesService, clock: Clock) => new ReplicaRegistry(store.replicas, rules, clock, replica, logger.child({ component: 'replicas' })),
          inject: [Store, RulesService, Clock],
        },
        {
          provide: AuditIngestService,
          useFactory: (rules: RulesService, ingest: IngestPipeline, recent: RecentAuditEvents, auditMetrics: AuditMetrics, clock: Clock) =>
            new AuditIngestService(rules, ingest, recent, auditMetrics, clock, auditSettings(config)),
          inject: [RulesService, IngestPipeline, RecentAuditEvents, AuditMetrics, Clock],
        },
        {
          provide: AuditListeners,
          useFactory: (audit: AuditIngestService, auditMetrics: AuditMetrics, auth: IngestAuthenticator | undefined) =>
            new AuditListeners(audit, auditMetrics, logger, {
              auth,
              address: config.peregrine.address,
              ports: config.peregrine.audit.extra_ports,
              maxBodyBytes: config.peregrine.audit.max_body_bytes,
              timeouts: listenerTimeoutsOf(config),
              ...(tls ? { tls: tls.listener('ingest') } : {}),
            }),
          inject: [AuditIngestService, AuditMetrics, INGEST_AUTH],
        },
        { provide: APP_FILTER, useFactory: () => new ErrorFilter(logger, dashboardDirectory(config) !== undefined, config.peregrine.base_path) },
        ...authProviders(config, logger),
        ...ingestAuthProviders(config, logger),
        { provide: AboutService, useFactory: (clock: Clock) => new AboutService(VERSION, config, outputs, clock.nowMs()), inject: [Clock] },
        Lifecycle,
      ],
    };
  }
}
