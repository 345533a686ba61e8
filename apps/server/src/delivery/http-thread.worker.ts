import { parentPort } from 'node:worker_threads';
import { type HttpRequestSpec, type HttpTransport, sendEach, type TransportOutcome, UndiciTransport } from '@peregrine/outputs';
import type { FromHttpThread, ToHttpThread } from './http-thread';

/** The delivery thread (see HttpThread): runs the outputs' requests with undici, answers in batches. */
const port = parentPort;
if (!port) throw new Error('http-thread.worker runs as a worker thread only');

const transports = new Map<number, HttpTransport>();
let answers: FromHttpThread[] = [];
let flushQueued = false;

function answer(reply: FromHttpThread): void {
  answers.push(reply);
  if (flushQueued) return;
  flushQueued = true;
  setImmediate(() => {
    flushQueued = false;
    const batch = answers;
    answers = [];
    port?.postMessage(batch);
  });
}

const failure = (message: string): TransportOutcome => ({ kind: 'failure', failure: 'other', message });
const transportError = (error: unknown): TransportOutcome => failure(`transport error: ${error instanceof Error ? error.message : String(error)}`);

port.on('message', (messages: ToHttpThread[]) => {
  for (const message of messages) {
    if (message.op === 'open') {
      transports.set(message.transport, new UndiciTransport(message.options));
    } else if (message.op === 'send') {
      const transport = transports.get(message.transport);
      // A Buffer body arrives as a plain Uint8Array (structured clone); undici takes either.
      const outcome = transport ? transport.send(message.spec).catch(transportError) : Promise.resolve(failure('unknown transport'));
      void outcome.then((answered) => answer({ request: message.request, outcome: answered }));
    } else if (message.op === 'sendMany') {
      const transport = transports.get(message.transport);
      const send = (spec: HttpRequestSpec): Promise<TransportOutcome> => (transport ? transport.send(spec).catch(transportError) : Promise.resolve(failure('unknown transport')));
      void sendEach(send, message.specs, message.concurrency).then((outcomes) => answer({ request: message.request, outcomes }));
    } else {
      const transport = transports.get(message.transport);
      transports.delete(message.transport);
      void (transport?.close() ?? Promise.resolve()).finally(() => answer({ request: message.request }));
    }
  }
});
