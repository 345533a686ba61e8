import { parentPort, workerData } from 'node:worker_threads';
import { createSender, instanceFromData, type OutputInstance } from '@peregrine/outputs';
import { Store } from '../store/store';
import { type DeliveryObserver, Dispatcher, type OutputRuntimeState } from './dispatcher';
import type { DeliveryThreadData, FromDeliveryThread, ToDeliveryThread } from './delivery-thread';

/**
 * The delivery thread (see DeliveryThread): the dispatcher with a connection of its own to the
 * store, the outputs' senders and their connections. What the main thread shows (metrics, the
 * outputs page, logs) goes back as messages, a batch per turn of this thread's loop.
 */
const port = parentPort;
if (!port) throw new Error('delivery-thread.worker runs as a worker thread only');
const data = workerData as DeliveryThreadData;

let outgoing: FromDeliveryThread[] = [];
let flushQueued = false;
let dispatcher: Dispatcher | undefined;
const instances: OutputInstance[] = data.outputs.map(instanceFromData);

/** The outputs' live state as last sent, to send it again only when it changed. */
let lastStates = '';

function post(message?: FromDeliveryThread): void {
  if (message) outgoing.push(message);
  if (flushQueued) return;
  flushQueued = true;
  setImmediate(() => {
    flushQueued = false;
    // Every batch ends with the outputs' live state, so the outputs page is never older than the last event.
    const states: Record<string, OutputRuntimeState> = {};
    for (const instance of instances) {
      const state = dispatcher?.state(instance.name);
      if (state) states[instance.name] = { ...state };
    }
    const text = JSON.stringify(states);
    const batch = text === lastStates ? outgoing : [...outgoing, { kind: 'states', states } satisfies FromDeliveryThread];
    lastStates = text;
    outgoing = [];
    if (batch.length > 0) port?.postMessage(batch);
  });
}

const observer: DeliveryObserver = {
  delivered: (instance, count, seconds) => post({ kind: 'observed', event: 'delivered', output: instance.name, count, seconds }),
  failed: (instance, count, reason) => post({ kind: 'observed', event: 'failed', output: instance.name, count, reason }),
  deadLettered: (instance, count, reason) => post({ kind: 'observed', event: 'deadLettered', output: instance.name, count, reason }),
  reclaimed: (instance, count) => post({ kind: 'observed', event: 'reclaimed', output: instance.name, count }),
};

const STATE_EVERY_MS = 250;

const clock = { nowMs: (): number => Date.now(), monotonicSeconds: (): number => performance.now() / 1000 };
/** Ends the dispatcher and closes the store; undefined until the store is open. */
let stop: (() => Promise<void>) | undefined;
/** A stop asked for while the store was being opened. */
let stopRequested = false;

async function main(): Promise<void> {
  const store = await Store.openOutbox(data.database, clock);
  const senders = instances.map((instance) => createSender(instance, data.tls ? { tls: data.tls } : {}));
  const logger = { warn: (fields: Record<string, unknown>, message: string) => post({ kind: 'log', level: 'warn', fields, message }) };
  const running = new Dispatcher(store.deliveries, store.alerts, senders, clock, data.retry, observer, logger, data.claimant);
  dispatcher = running;
  stop = async (): Promise<void> => {
    await running.stop();
    await store.close();
    post({ kind: 'stopped' });
  };
  if (stopRequested) return stop();
  running.start();
  post({ kind: 'ready' });
  // A pass that ends reports nothing by itself (its deliveries no longer in flight): the state is looked at a few times a second.
  setInterval(() => post(), STATE_EVERY_MS).unref();
}

// Wake-ups that arrive while the store is being opened are dropped: the dispatcher looks at once when it starts.
port.on('message', (message: ToDeliveryThread) => {
  if (message.op === 'wake') dispatcher?.wake(message.outputs);
  else if (stop) void stop();
  else stopRequested = true;
});

main().catch((error: unknown) => {
  // Reported, then thrown again: the thread ends and the main thread starts another one later.
  post({ kind: 'log', level: 'error', fields: { code: 'DELIVERY_THREAD_FAILED', err: { message: error instanceof Error ? error.message : String(error) } }, message: 'the delivery thread could not start' });
  setImmediate(() => {
    throw error;
  });
});
