import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyDestination, prettyLogs } from './logger';

function collect(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return { stream: new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk.toString('utf8')), done()) }), text: () => chunks.join('') };
}

describe('log format', () => {
  it('is readable on a terminal and JSON everywhere else, unless chosen', () => {
    expect(prettyLogs('auto', true)).toBe(true);
    expect(prettyLogs('auto', false)).toBe(false);
    expect(prettyLogs('json', true)).toBe(false);
    expect(prettyLogs('pretty', false)).toBe(true);
  });

  it('writes readable lines, with the message first and secrets still redacted', () => {
    const out = collect();
    const logger = createLogger('info', prettyDestination(out.stream, false));
    logger.warn({ code: 'ADMIN_PASSWORD_GENERATED', username: 'admin', headers: { authorization: 'Bearer s3cret-token' } }, 'Generated the password of "admin": Xk7pQ');
    const text = out.text();
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] WARN: Generated the password of "admin": Xk7pQ\n/);
    expect(text).toContain('code: "ADMIN_PASSWORD_GENERATED"');
    expect(text).not.toContain('s3cret-token');
    expect(text).not.toContain('{"level"');
  });
});
