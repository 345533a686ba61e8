import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AlertQueryService } from '../store/alert-queries';
import { AlertWriter } from '../ingest/alert-writer';
import { AlertsController } from '../alerts/alerts.controller';
import { SidekickUiController } from '../alerts/sidekick-ui.controller';
import { openDatabase } from '../store/database';
import { RetentionService } from '../alerts/retention.service';
import { Clock } from '../common/clock';
import { StoreLock } from '../store/store-lock';
import { LiveGateway } from '../live/live.gateway';
import { registerStoreMetrics } from '../store/store-metrics';
import type { AppConfig } from '../config/config.schema';
import { FalcoCompatServer } from '../ingest/falco-compat.server';
import { IngestController } from '../ingest/ingest.controller';
import { IngestService } from '../ingest/ingest.service';
import type { AppLogger } from '../logging/logger';
import { Metrics } from '../metrics/metrics';
import { MetricsController } from '../metrics/metrics.controller';
import { ErrorFilter } from '../web/error.filter';
import { createSender, type OutputInstance } from '@peregrine/outputs';
import { Dispatcher } from '../delivery/dispatcher';
import { Outbox } from '../delivery/outbox';
import { RoutingTable } from '../delivery/routing';
import { OutputsController } from '../delivery/outputs.controller';
import { DeliveryMetrics, OutputsService, queueDepth } from '../delivery/outputs.service';
import { HealthController } from '../web/health.controller';
import { auditSettings, databaseSettings, enrichmentSettings, metricsSettings, outputTlsMaterial, retentionSettings, retrySettings, rulesSettings } from './settings';
import { AuditController } from '../audit/audit.controller';
import { AuditIngestService } from '../audit/audit-ingest.service';
import { AuditListeners } from '../audit/audit-listeners';
import { AuditMetrics } from '../audit/audit-metrics';
import { registerAuditRoutes } from '../audit/audit-routes';
import { RecentAuditEvents } from '../audit/recent-audit-events';
import { RulesFileReader } from '../rules/rules-files';
import { RulesController } from '../rules/rules.controller';
import { RulesService } from '../rules/rules.service';
import { dashboardDirectory } from './dashboard';
import { APP_CONFIG, LOGGER } from './tokens';
import { AuthController } from '../auth/auth.controller';
import { authProviders } from '../auth/auth.providers';
import { AboutController } from '../about/about.controller';
import { AboutService } from '../about/about.service';
import { VERSION } from '../cli/program';

/** Starts and stops what runs beside the HTTP API, in dependency order. */
class Lifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(FalcoCompatServer) private readonly compat: FalcoCompatServer,
    @Inject(RetentionService) private readonly retention: RetentionService,
    @Inject(AlertWriter) private readonly writer: AlertWriter,
    @Inject(Dispatcher) private readonly dispatcher: Dispatcher,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RulesService) private readonly rules: RulesService,
    @Inject(AuditListeners) private readonly auditListeners: AuditListeners,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.retention.sweep();
    this.retention.start();
    // Resumes whatever a previous run left in the outbox.
    this.dispatcher.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.retention.stop();
    this.rules.stop();
    await this.auditListeners.close();
    await this.compat.close();
    // Everything acknowledged is already committed; this waits for in-flight batches.
    await this.writer.drain();
    // Deliveries not finished stay in the outbox for the next start.
    await this.dispatcher.stop();
    await this.dataSource.destroy();
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: AppLogger, outputs: readonly OutputInstance[] = []): DynamicModule {
    return {
      module: AppModule,
      controllers: [IngestController, AlertsController, SidekickUiController, MetricsController, HealthController, OutputsController, RulesController, AuditController, AuthController, AboutController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        Clock,
        StoreLock,
        LiveGateway,
        { provide: DataSource, useFactory: () => openDatabase(databaseSettings(config)) },
        { provide: Metrics, useFactory: () => new Metrics(metricsSettings(config), (label) => logger.error({ label }, 'invalid Prometheus label name skipped')) },
        {
          provide: AlertWriter,
          useFactory: (dataSource: DataSource, clock: Clock, metrics: Metrics, lock: StoreLock) => {
            registerStoreMetrics(metrics, dataSource);
            return new AlertWriter(dataSource, clock, { maxBatch: 500, maxPending: 20_000 }, {
              batchCommitted: (rows, seconds) => {
                metrics.storeWriteSeconds.observe(seconds);
                metrics.ingestBatchSize.observe(rows);
                metrics.alertsStored.inc(rows);
              },
              batchFailed: (rows, err) => {
                metrics.storeFailures.inc();
                logger.error({ code: 'STORE_UNAVAILABLE', rows, err }, 'alert batch could not be committed');
              },
            }, lock);
          },
          inject: [DataSource, Clock, Metrics, StoreLock],
        },
        {
          provide: Dispatcher,
          useFactory: (dataSource: DataSource, clock: Clock, metrics: Metrics, lock: StoreLock) => {
            const tls = outputTlsMaterial(config, outputs);
            const senders = outputs.map((instance) => createSender(instance, tls ? { tls } : {}));
            const observer = new DeliveryMetrics(metrics, () => queueDepth(dataSource), outputs);
            return new Dispatcher(dataSource, senders, clock, retrySettings(config), observer, logger.child({ component: 'delivery' }), lock);
          },
          inject: [DataSource, Clock, Metrics, StoreLock],
        },
        {
          provide: OutputsService,
          useFactory: (dataSource: DataSource, dispatcher: Dispatcher, clock: Clock, lock: StoreLock) => new OutputsService(dataSource, outputs, dispatcher, clock, lock),
          inject: [DataSource, Dispatcher, Clock, StoreLock],
        },
        {
          provide: IngestService,
          useFactory: (writer: AlertWriter, metrics: Metrics, clock: Clock, dispatcher: Dispatcher, live: LiveGateway) => {
            const ingest = new IngestService(writer, metrics, clock, { enrichment: enrichmentSettings(config), defaultCluster: config.peregrine.cluster_name });
            ingest.onStored((alert, cluster) => live.publish(alert, cluster));
            if (outputs.length > 0) {
              const routing = RoutingTable.compile(outputs).table;
              const outbox = new Outbox(routing, () => clock.nowMs());
              writer.addSameTransactionWork(async (manager, rows) => void (await outbox.enqueue(manager, rows)));
              ingest.onStored((alert, cluster) => dispatcher.wake(routing.routesForStored(alert, cluster)));
            }
            return ingest;
          },
          inject: [AlertWriter, Metrics, Clock, Dispatcher, LiveGateway],
        },
        { provide: AlertQueryService, useFactory: (dataSource: DataSource) => new AlertQueryService(dataSource), inject: [DataSource] },
        {
          provide: RetentionService,
          useFactory: (dataSource: DataSource, clock: Clock, lock: StoreLock) => new RetentionService(dataSource, clock, retentionSettings(config), logger, lock),
          inject: [DataSource, Clock, StoreLock],
        },
        {
          provide: FalcoCompatServer,
          useFactory: async (ingest: IngestService, metrics: Metrics, audit: AuditIngestService, auditMetrics: AuditMetrics) => {
            const compat = new FalcoCompatServer(ingest, metrics, logger, { address: config.listenaddress, port: config.listenport, maxBodyBytes: config.peregrine.ingest.max_body_bytes });
            await registerAuditRoutes(compat.server, audit, auditMetrics, logger, { prefix: '', maxBodyBytes: config.peregrine.audit.max_body_bytes });
            return compat;
          },
          inject: [IngestService, Metrics, AuditIngestService, AuditMetrics],
        },
        { provide: AuditMetrics, useFactory: (metrics: Metrics) => new AuditMetrics(metrics.registry), inject: [Metrics] },
        { provide: RecentAuditEvents, useFactory: () => new RecentAuditEvents(config.peregrine.audit.recent_events, config.peregrine.audit.recent_max_bytes) },
        {
          provide: RulesService,
          useFactory: async (clock: Clock, auditMetrics: AuditMetrics) => {
            const rules = new RulesService(new RulesFileReader(), rulesSettings(config), clock, logger.child({ component: 'rules' }));
            rules.onReload((status) => auditMetrics.rulesReloads.inc({ result: status.ok ? 'ok' : 'error' }));
            await rules.start();
            return rules;
          },
          inject: [Clock, AuditMetrics],
        },
        {
          provide: AuditIngestService,
          useFactory: (rules: RulesService, ingest: IngestService, recent: RecentAuditEvents, auditMetrics: AuditMetrics, clock: Clock) =>
            new AuditIngestService(rules, ingest, recent, auditMetrics, clock, auditSettings(config)),
          inject: [RulesService, IngestService, RecentAuditEvents, AuditMetrics, Clock],
        },
        {
          provide: AuditListeners,
          useFactory: (audit: AuditIngestService, auditMetrics: AuditMetrics) =>
            new AuditListeners(audit, auditMetrics, logger, { address: config.peregrine.address, ports: config.peregrine.audit.extra_ports, maxBodyBytes: config.peregrine.audit.max_body_bytes }),
          inject: [AuditIngestService, AuditMetrics],
        },
        { provide: APP_FILTER, useFactory: () => new ErrorFilter(logger, dashboardDirectory(config) !== undefined, config.peregrine.base_path) },
        ...authProviders(config, logger),
        { provide: AboutService, useFactory: (clock: Clock) => new AboutService(VERSION, config, outputs, clock.nowMs()), inject: [Clock] },
        Lifecycle,
      ],
    };
  }
}
