import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server } from 'socket.io';
import { stringifyJson } from '../common/json';
import type { Alert } from '../model/alert';

/**
 * What the dashboard receives over socket.io. Alerts travel as JSON text so int64 values stay
 * exact on the wire (socket.io's own encoder would use JSON.stringify on the objects).
 */
export interface LiveServerEvents {
  /** One stored alert: Falco's JSON shape plus `cluster`. */
  alert: (alertJson: string) => void;
}

/** Pushes every stored alert to connected dashboards, the moment it is durable. */
@WebSocketGateway({ serveClient: false })
export class LiveGateway {
  @WebSocketServer()
  private readonly server: Server<Record<string, never>, LiveServerEvents> | undefined;

  publish(alert: Alert, cluster: string): void {
    // Serialising costs the ingest path; only do it when someone is watching.
    if (!this.server || this.server.engine.clientsCount === 0) return;
    const { uuid, output, priority, rule, time, output_fields, source, tags, hostname } = alert;
    this.server.emit('alert', stringifyJson({ uuid, output, priority, rule, time, output_fields, source, tags, hostname, cluster }));
  }
}
