import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputAlert } from '../alert';
import { maskedConfig } from '../instances';
import { createSender, type OutputDefinition, type OutputSender } from '../output';
import { parseOutputsConfig } from '../registry';
import type { SendResult } from '../result';
import { FIXED_NOW, fixedClock, realisticAlert, referenceAlert } from './alerts';
import { instanceFrom } from './instances';
import type { FakeSink } from './servers/base';

/**
 * The contract every output's spec runs. Two halves:
 *
 * 1. **Payloads as falcosidekick sends them** — for the reference alert of falcosidekick's own
 *    tests and each format option, the exact requests (method, URL, headers, body bytes), with
 *    expectations written by hand from sidekick-outputs.md and falcosidekick's `*_test.go`.
 * 2. **Delivery over real HTTP** — the output's protocol-faithful fake sink on 127.0.0.1, the
 *    real undici transport: 2xx → ok (and the sink holds the alert), 4xx → fatal, 5xx / timeout
 *    / connection refused → retry, 429 and 503 `Retry-After` (seconds and HTTP-date) honoured,
 *    and no secret in any reason, masked config or config problem.
 */

/** The secret woven into every contract config (webhook token, API key, password, header). */
export const CONTRACT_SECRET = 'Zq7sEcReT0kEn4x9Kp2';

export interface ExpectedRequest {
  readonly method: string;
  readonly url: string;
  /** Headers that must be present with these values (names case-insensitive). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Exact body text, or a check for bodies that are not plain text (gzip). */
  readonly body?: string | ((body: string | Buffer | undefined) => void);
}

export interface PayloadCase {
  readonly name: string;
  /** The output's YAML section. */
  readonly section: Readonly<Record<string, unknown>>;
  /** Defaults to falcosidekick's reference alert. */
  readonly alerts?: readonly OutputAlert[];
  readonly now?: number;
  /** Rest of the config tree (e.g. `customfields`). */
  readonly tree?: Readonly<Record<string, unknown>>;
  readonly requests: readonly ExpectedRequest[];
}

export interface ContractOptions<S extends FakeSink> {
  readonly definition: OutputDefinition;
  readonly payloads: readonly PayloadCase[];
  /** Starts the output's fake sink (it may use {@link CONTRACT_SECRET} in its expected path or credentials). */
  readonly startSink: () => Promise<S>;
  /** A YAML section delivering to the sink, carrying {@link CONTRACT_SECRET} wherever the output has a secret. */
  readonly section: (sink: S) => Record<string, unknown>;
  /** How many alerts the sink holds (what it accepted and stored, by its protocol). */
  readonly stored: (sink: S) => number;
  /** Spellings of the secret that travel on the wire besides the secret itself (Basic-auth base64). */
  readonly secretForms?: readonly string[];
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return found?.[1];
}

function expectNoSecret(result: SendResult, forms: readonly string[]): void {
  const texts = result.kind === 'ok' ? [] : result.kind === 'partial' ? [result.reason, ...result.items.map((i) => (i.kind === 'ok' ? '' : i.reason))] : [result.reason];
  for (const text of texts) for (const form of forms) expect(text).not.toContain(form);
}

export function runOutputContract<S extends FakeSink>(options: ContractOptions<S>): void {
  const { definition } = options;
  const type = definition.type;

  describe(`${type}: payloads as falcosidekick sends them`, () => {
    for (const payload of options.payloads) {
      it(payload.name, () => {
        const instance = instanceFrom(type, payload.section, {}, payload.tree);
        const plan = definition.plan(instance, payload.alerts ?? [referenceAlert()], payload.now ?? FIXED_NOW);
        expect(plan.map((p) => `${p.spec.method} ${p.spec.url}`)).toEqual(payload.requests.map((r) => `${r.method} ${r.url}`));
        payload.requests.forEach((expected, i) => {
          const spec = plan[i]!.spec;
          for (const [name, value] of Object.entries(expected.headers ?? {})) expect(headerValue(spec.headers, name), `header ${name}`).toBe(value);
          if (typeof expected.body === 'string') expect(typeof spec.body === 'string' ? spec.body : spec.body?.toString('utf8')).toBe(expected.body);
          else expected.body?.(spec.body);
        });
      });
    }
  });

  describe(`${type}: delivery over HTTP (contract)`, () => {
    let sink: S;
    const senders: OutputSender[] = [];
    const sender = (extra: Record<string, unknown> = {}): OutputSender => {
      const created = createSender(instanceFrom(type, { ...options.section(sink), ...extra }), { clock: fixedClock });
      senders.push(created);
      return created;
    };

    beforeEach(async () => {
      sink = await options.startSink();
    });
    afterEach(async () => {
      await Promise.all(senders.splice(0).map((s) => s.close()));
      await sink.stop();
    });

    it('2xx → ok, and the sink stored the alert', async () => {
      const result = await sender().send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'ok' });
      expect(options.stored(sink)).toBe(1);
    });

    it('a realistic alert (int64 field, non-ASCII, nulls) is accepted by the sink', async () => {
      expect(await sender().send([realisticAlert()])).toMatchObject({ kind: 'ok' });
      expect(options.stored(sink)).toBe(1);
    });

    it('several alerts in one call are all delivered (split by maxBatch where needed)', async () => {
      const alerts = [realisticAlert(), referenceAlert(), realisticAlert({ uuid: '0a8c5b0e-1111-4c8e-9a57-0b1f8f3c9d21', rule: 'Other rule' })];
      const result = await sender().send(alerts);
      expect(result).toMatchObject({ kind: 'ok' });
      expect(options.stored(sink)).toBe(3);
    });

    it('an empty batch is ok without any request', async () => {
      expect(await sender().send([])).toEqual({ kind: 'ok' });
      expect(sink.requests).toHaveLength(0);
    });

    it.each([400, 401, 403, 404, 422])('HTTP %i → fatal', async (status) => {
      sink.answerNext({ status, body: 'no' });
      const result = await sender().send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'fatal', status });
    });

    it.each([500, 502, 503, 504])('HTTP %i → retryable', async (status) => {
      sink.answerNext({ status, body: 'busy' });
      const result = await sender().send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'retryable', status });
      expect(result).not.toHaveProperty('after');
    });

    it('429 with Retry-After seconds → retryable after that long', async () => {
      sink.answerNext({ status: 429, headers: { 'retry-after': '7' }, body: 'slow down' });
      expect(await sender().send([referenceAlert()])).toMatchObject({ kind: 'retryable', status: 429, after: 7000 });
    });

    it('503 with Retry-After as an HTTP-date → retryable until that date', async () => {
      sink.answerNext({ status: 503, headers: { 'retry-after': new Date(FIXED_NOW + 120_000).toUTCString() } });
      expect(await sender().send([referenceAlert()])).toMatchObject({ kind: 'retryable', status: 503, after: 120_000 });
    });

    it('a sink that never answers → retryable after the timeout', async () => {
      sink.hangNext(5);
      const started = Date.now();
      const result = await sender({ timeout: '300ms' }).send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'retryable' });
      expect(result.kind === 'retryable' && result.reason).toMatch(/within 300 ms/);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('connection refused → retryable', async () => {
      const dead = sender();
      await sink.stop();
      const result = await dead.send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'retryable' });
      expect(result.kind === 'retryable' && result.reason).toMatch(/ECONNREFUSED|connection/);
      sink = await options.startSink();
    });

    it('never throws: a builder failure is a fatal result', async () => {
      // An output field whose value cannot even be read: every builder reads the fields.
      const poisoned = referenceAlert();
      Object.defineProperty(poisoned.output_fields, 'boom', {
        enumerable: true,
        get: () => {
          throw new Error('unreadable field');
        },
      });
      const result = await sender().send([poisoned]);
      expect(result).toMatchObject({ kind: 'fatal', reason: 'could not build the request: unreadable field' });
    });

    it.each([400, 401, 500, 503])('no secret in the reason when the sink echoes the request (HTTP %i)', async (status) => {
      sink.answerNext({ status, echo: true, body: 'rejected:' });
      const result = await sender().send([referenceAlert()]);
      expect(result.kind).not.toBe('ok');
      // The echo really contained the secret (in some spelling), so this test can fail.
      const forms = [CONTRACT_SECRET, ...(options.secretForms ?? [])];
      expect(forms.some((form) => sink.echoes.join(' ').includes(form))).toBe(true);
      expectNoSecret(result, forms);
      expect(result.kind !== 'ok' && 'reason' in result && result.reason).toContain('[REDACTED]');
    });

    it('no secret in the masked config, nor in config problems', () => {
      const instance = instanceFrom(type, options.section(sink));
      expect(JSON.stringify(maskedConfig(instance))).not.toContain(CONTRACT_SECRET);
      expect(instance.secrets.join(' ')).toContain(CONTRACT_SECRET);
      const broken = parseOutputsConfig({ [type]: { ...options.section(sink), checkcert: CONTRACT_SECRET, maxconcurrentrequests: CONTRACT_SECRET } }, {});
      expect(broken.problems.length).toBeGreaterThan(0);
      expect(broken.problems.join('\n')).not.toContain(CONTRACT_SECRET);
    });
  });
}
