import { parentPort } from 'node:worker_threads';
import { type HttpTransport, UndiciTransport } from '@peregrine/outputs';
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

port.on('message', (messages: ToHttpThread[]) => {
  for (const message of messages) {
    if (message.op === 'open') {
      transports.set(message.transport, new UndiciTransport(message.options));
    } else if (message.op === 'send') {
      const transport = transports.get(message.transport);
      if (!transport) {
        answer({ request: message.request, outcome: { kind: 'failure', failure: 'other', message: 'unknown transport' } });
        continue;
      }
      // A Buffer body arrives as a plain Uint8Array (structured clone); undici takes either.
      transport
        .send(message.spec)
        .catch((error: unknown) => ({ kind: 'failure', failure: 'other', message: `transport error: ${error instanceof Error ? error.message : String(error)}` }) as const)
        .then((outcome) => answer({ request: message.request, outcome }), () => undefined);
    } else {
      const transport = transports.get(message.transport);
      transports.delete(message.transport);
      void (transport?.close() ?? Promise.resolve()).finally(() => answer({ request: message.request }));
    }
  }
});
