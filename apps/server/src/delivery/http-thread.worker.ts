import { parentPort } from 'node:worker_threads';
import { type HttpRequestSpec, type HttpTransport, sendEach, transportError, type TransportOutcome, UndiciTransport } from '@peregrine/outputs';
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

/** Sends on a transport the thread was told to open (one it does not know answers as a failure). */
function sendOn(id: number, spec: HttpRequestSpec): Promise<TransportOutcome> {
  const transport = transports.get(id);
  // A Buffer body arrives as a plain Uint8Array (structured clone); undici takes either.
  return transport ? transport.send(spec).catch(transportError) : Promise.resolve({ kind: 'failure', failure: 'other', message: 'unknown transport' });
}

port.on('message', (messages: ToHttpThread[]) => {
  for (const message of messages) {
    if (message.op === 'open') {
      transports.set(message.transport, new UndiciTransport(message.options));
    } else if (message.op === 'send') {
      void sendOn(message.transport, message.spec).then((outcome) => answer({ request: message.request, outcome }));
    } else if (message.op === 'sendMany') {
      void sendEach((spec) => sendOn(message.transport, spec), message.specs, message.concurrency).then((outcomes) => answer({ request: message.request, outcomes }));
    } else {
      const transport = transports.get(message.transport);
      transports.delete(message.transport);
      void (transport?.close() ?? Promise.resolve()).finally(() => answer({ request: message.request }));
    }
  }
});
