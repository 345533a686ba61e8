import { Inject, Optional } from '@nestjs/common';
import { type OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server } from 'socket.io';
import { LIVE_FANOUT } from '../app/tokens';
import { stringifyJson } from '../common/json';
import type { Alert } from '../model/alert';
import type { ReplicaFanout } from './replica-fanout';

/**
 * What the dashboard receives over socket.io. Alerts travel as JSON text so int64 values stay
 * exact on the wire (socket.io's own encoder would use JSON.stringify on the objects).
 */
export interface LiveServerEvents {
  /** One stored alert: Falco's JSON shape plus `cluster`. */
  alert: (alertJson: string) => void;
}

/**
 * Pushes every stored alert to connected dashboards, the moment it is durable: this replica's
 * at once, the other replicas' (PostgreSQL, several replicas) through the ReplicaFanout.
 */
@WebSocketGateway({ serveClient: false })
export class LiveGateway implements OnGatewayInit {
  @WebSocketServer()
  private readonly server: Server<Record<string, never>, LiveServerEvents> | undefined;

  constructor(@Optional() @Inject(LIVE_FANOUT) private readonly fanout?: ReplicaFanout) {}

  afterInit(server: Server): void {
    if (!this.fanout) return;
    this.fanout.attach(server);
    this.fanout.onRemoteAlerts((alertsJson) => {
      for (const alertJson of alertsJson) this.server?.local.emit('alert', alertJson);
    });
  }

  publish(alert: Alert, cluster: string): void {
    // Serialising costs the ingest path; only do it when someone is watching.
    const watchingHere = this.server !== undefined && this.server.engine.clientsCount > 0;
    const watchingElsewhere = this.fanout?.othersWatching() ?? false;
    if (!watchingHere && !watchingElsewhere) return;
    const { uuid, output, priority, rule, time, output_fields, source, tags, hostname } = alert;
    const alertJson = stringifyJson({ uuid, output, priority, rule, time, output_fields, source, tags, hostname, cluster });
    if (watchingHere) this.server?.local.emit('alert', alertJson);
    if (watchingElsewhere) this.fanout?.publish(alertJson);
  }
}
