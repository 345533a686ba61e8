import { afterAll, beforeAll } from 'vitest';
import type { TlsMaterial } from '../http';
import { createSender, type OutputSender } from '../output';
import { fixedClock } from './alerts';
import { instanceFrom } from './instances';

/** What {@link sinkSuite} gives the tests of one `describe` block. */
export interface SinkSuite<S> {
  /** The started sink: read it inside tests and hooks (the block's `beforeAll` starts it). */
  readonly sink: S;
  /** A sender of the suite's output for this section (at the fixed clock, with this TLS material), closed after the block. */
  sender(section: Readonly<Record<string, unknown>>, tls?: TlsMaterial): OutputSender;
}

/**
 * A sink (a real server, or a fake) started once for the enclosing `describe` block, and the
 * senders its tests create. After the block the senders are closed first, then the sink is
 * stopped: a client closing against a server that is gone may wait for it. Call inside `describe`.
 */
export function sinkSuite<S>(type: string, start: () => Promise<S>, stop: (sink: S) => Promise<void>): SinkSuite<S> {
  let started: { readonly sink: S } | undefined;
  const senders: OutputSender[] = [];

  beforeAll(async () => {
    started = { sink: await start() };
  }, 60_000);
  afterAll(async () => {
    await Promise.all(senders.splice(0).map((sender) => sender.close()));
    if (started !== undefined) await stop(started.sink);
  });

  return {
    get sink(): S {
      if (started === undefined) throw new Error(`the ${type} sink is started in beforeAll: read it inside tests and hooks`);
      return started.sink;
    },
    sender(section, tls) {
      const created = createSender(instanceFrom(type, section), { clock: fixedClock, ...(tls ? { tls } : {}) });
      senders.push(created);
      return created;
    },
  };
}
