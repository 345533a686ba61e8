import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { OutputAlert } from '../alert';
import { maskedConfig } from '../instances';
import type { OutputDefinition } from '../output';
import { parseOutputsConfig } from '../registry';
import type { SendResult } from '../result';
import { CONTRACT_SECRET } from './contract';
import { realisticAlert, referenceAlert } from './alerts';
import { instanceFrom, treeWithSection } from './instances';
import type { FakeAwsService } from './servers/aws';
import { sinkSuite } from './sink-suite';

/**
 * The contract of outputs that speak their sink's own protocol (NATS, MQTT, Redis, SMTP,
 * syslog, AWS): the same promises as the HTTP contract, against the real server (or a strict
 * implementation of its protocol) started once for the suite. Payload shapes are each output's
 * own tests; this suite checks what the framework promises around them.
 */
export interface ClientContractOptions<S> {
  readonly definition: OutputDefinition;
  /** Starts the real server (or strict protocol server) once for the suite. */
  readonly startSink: () => Promise<S>;
  readonly stopSink: (sink: S) => Promise<void>;
  /** A YAML section delivering to the sink, with {@link CONTRACT_SECRET} as its secret where the output has one. */
  readonly section: (sink: S) => Record<string, unknown>;
  /** The same section pointed at another loopback port (nothing listening, or a server that never answers). */
  readonly sectionAt: (sink: S, port: number) => Record<string, unknown>;
  /** Messages the sink has taken so far (read from the sink itself: the list, the subscription, the mailbox). */
  readonly delivered: (sink: S) => Promise<number>;
  /** A section whose credentials the sink refuses, where the output has credentials: such a send is fatal. */
  readonly refusedCredentials?: (sink: S) => Record<string, unknown>;
  /** Spellings of the secret that travel on the wire besides the secret itself. */
  readonly secretForms?: readonly string[];
  /**
   * The protocol has no answer to wait for (syslog over TCP): a server that accepts the
   * connection and never reads still takes what fits in the socket buffers, and the client
   * cannot tell. Then "a server that never answers" checks that the send is handed over without
   * waiting for an answer; the output's own spec shows the timeout once the buffers are full.
   */
  readonly unacknowledged?: boolean;
}

function reasonsOf(result: SendResult): string[] {
  if (result.kind === 'ok') return [];
  if (result.kind === 'partial') return [result.reason, ...result.items.map((item) => (item.kind === 'ok' ? '' : item.reason))];
  return [result.reason];
}

function expectNoSecret(result: SendResult, forms: readonly string[]): void {
  for (const text of reasonsOf(result)) for (const form of forms) expect(text).not.toContain(form);
}

/** A loopback port that accepts connections and never says a word (a hung broker). */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = await silentServer();
  await probe.close();
  return probe.port;
}

export function runClientOutputContract<S>(options: ClientContractOptions<S>): void {
  const type = options.definition.type;
  const forms = [CONTRACT_SECRET, ...(options.secretForms ?? [])];

  describe(`${type}: delivery over its own protocol (contract)`, () => {
    const suite = sinkSuite(type, options.startSink, options.stopSink);
    const deliveredBy = async (alerts: readonly OutputAlert[], section = options.section(suite.sink)): Promise<{ result: SendResult; taken: number }> => {
      const sink = suite.sink;
      const before = await options.delivered(sink);
      const result = await suite.sender(section).send(alerts);
      // Some sinks take a moment between accepting and showing a message (a subscription, a mailbox).
      let taken = (await options.delivered(sink)) - before;
      for (let wait = 0; wait < 40 && result.kind === 'ok' && taken < alerts.length; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        taken = (await options.delivered(sink)) - before;
      }
      return { result, taken };
    };

    it('delivers an alert: ok, and the sink holds it', async () => {
      expect(await deliveredBy([referenceAlert()])).toEqual({ result: { kind: 'ok' }, taken: 1 });
    });

    it('a realistic alert (int64 field, non-ASCII, nulls) is accepted by the sink', async () => {
      expect(await deliveredBy([realisticAlert()])).toEqual({ result: { kind: 'ok' }, taken: 1 });
    });

    it('several alerts in one call are all delivered (split by maxBatch where needed)', async () => {
      const alerts = [realisticAlert(), referenceAlert(), realisticAlert({ uuid: '0a8c5b0e-1111-4c8e-9a57-0b1f8f3c9d21', rule: 'Other rule' })];
      expect(await deliveredBy(alerts)).toEqual({ result: { kind: 'ok' }, taken: 3 });
    });

    it('an empty batch is ok without connecting', async () => {
      const port = await closedPort();
      expect(await suite.sender(options.sectionAt(suite.sink, port)).send([])).toEqual({ kind: 'ok' });
    });

    it('nothing listening → retryable, and the secret is not in the reason', async () => {
      const result = await suite.sender(options.sectionAt(suite.sink, await closedPort())).send([referenceAlert()]);
      expect(result.kind).toBe('retryable');
      expectNoSecret(result, forms);
    });

    it(
      options.unacknowledged
        ? 'a server that never answers: the protocol has no answer, so the message is handed to the socket without waiting'
        : 'a server that never answers → retryable after the timeout',
      async () => {
        const silent = await silentServer();
        try {
          const started = Date.now();
          const result = await suite.sender({ ...options.sectionAt(suite.sink, silent.port), timeout: '300ms' }).send([referenceAlert()]);
          expect(result).toMatchObject({ kind: options.unacknowledged ? 'ok' : 'retryable' });
          expect(Date.now() - started).toBeLessThan(options.unacknowledged ? 300 : 5000);
        } finally {
          await silent.close();
        }
      },
    );

    it('after a failure the next send connects again and delivers', async () => {
      const flaky = suite.sender(options.section(suite.sink));
      const before = await options.delivered(suite.sink);
      expect(await flaky.send([referenceAlert()])).toEqual({ kind: 'ok' });
      expect(await flaky.send([referenceAlert()])).toEqual({ kind: 'ok' });
      for (let wait = 0; wait < 40 && (await options.delivered(suite.sink)) - before < 2; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await options.delivered(suite.sink)) - before).toBe(2);
    });

    it('never throws: an alert that cannot be encoded is a fatal result', async () => {
      const poisoned = referenceAlert();
      Object.defineProperty(poisoned.output_fields, 'boom', {
        enumerable: true,
        get: () => {
          throw new Error('unreadable field');
        },
      });
      const result = await suite.sender(options.section(suite.sink)).send([poisoned]);
      expect(result.kind).toBe('fatal');
    });

    if (options.refusedCredentials) {
      const refused = options.refusedCredentials;
      it('credentials the sink refuses → fatal, and the secret is not in the reason', async () => {
        const result = await suite.sender(refused(suite.sink)).send([referenceAlert()]);
        expect(result.kind).toBe('fatal');
        expectNoSecret(result, forms);
      });
    }

    it('no secret in the masked config, nor in config problems', () => {
      const section = options.section(suite.sink);
      const instance = instanceFrom(type, section);
      expect(JSON.stringify(maskedConfig(instance))).not.toContain(CONTRACT_SECRET);
      const broken = parseOutputsConfig(treeWithSection(type, { ...section, checkcert: CONTRACT_SECRET, maxconcurrentrequests: CONTRACT_SECRET }), {});
      expect(broken.problems.length).toBeGreaterThan(0);
      for (const problem of broken.problems) expect(problem).not.toContain(CONTRACT_SECRET);
    });
  });
}

/** What {@link runLoopbackClientOutputContract} needs: the contract's options, with the section a function of port and password. */
export interface LoopbackClientContractOptions<S extends { readonly port: number }>
  extends Pick<ClientContractOptions<S>, 'definition' | 'startSink' | 'stopSink' | 'delivered' | 'secretForms'> {
  /** A section delivering to a server on this loopback port with this password. */
  readonly sectionAt: (port: number, password: string) => Record<string, unknown>;
}

/**
 * {@link runClientOutputContract} for a server listening on `sink.port` that requires
 * CONTRACT_SECRET as the password (nats-server, mosquitto, redis-server, the SMTP server): any
 * other password is what it refuses.
 */
export function runLoopbackClientOutputContract<S extends { readonly port: number }>(options: LoopbackClientContractOptions<S>): void {
  const { sectionAt, ...common } = options;
  runClientOutputContract<S>({
    ...common,
    section: (sink) => sectionAt(sink.port, CONTRACT_SECRET),
    sectionAt: (_sink, port) => sectionAt(port, CONTRACT_SECRET),
    refusedCredentials: (sink) => sectionAt(sink.port, 'wrong-password'),
  });
}

export interface AwsClientContractOptions<S extends FakeAwsService> {
  readonly definition: OutputDefinition;
  /** Starts the service's fake with CONTRACT_SECRET as its secret access key. */
  readonly startSink: () => Promise<S>;
  /** A section delivering to the fake (see `awsTestSection`), with these keys overridden. */
  readonly section: (sink: S, overrides?: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /** What the fake has taken so far (messages, publications, invocations). */
  readonly delivered: (sink: S) => number;
}

/**
 * {@link runClientOutputContract} for an AWS output against its SigV4-verifying fake: the other
 * port is the `endpoint`, and a wrong secret access key is what the fake refuses.
 */
export function runAwsClientOutputContract<S extends FakeAwsService>(options: AwsClientContractOptions<S>): void {
  runClientOutputContract<S>({
    definition: options.definition,
    startSink: options.startSink,
    stopSink: (sink) => sink.stop(),
    section: (sink) => options.section(sink),
    sectionAt: (sink, port) => options.section(sink, { endpoint: `http://127.0.0.1:${port}` }),
    delivered: async (sink) => options.delivered(sink),
    refusedCredentials: (sink) => options.section(sink, { secretaccesskey: 'not-the-secret-access-key' }),
  });
}
