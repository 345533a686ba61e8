import { createHash, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateIngestToken, hashIngestToken, IngestTokenSet, parseTokensFile, TOKEN_PREFIX, withTokenAdded, withTokenRemoved, type IngestTokenEntry } from './ingest-tokens';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const entry = (id: string, cluster: string, token: string): IngestTokenEntry => ({ id, cluster, sha256: hashIngestToken(token) });

describe('ingest tokens', () => {
  it('are 256 random bits after a recognisable prefix, usable in a header, a path segment and URL user info', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => generateIngestToken()));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
      expect(token.slice(TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url')).toHaveLength(32);
    }
  });

  it('are kept as the lower-case hex SHA-256 of their text', () => {
    expect(hashIngestToken('pgi_example')).toBe(sha256('pgi_example'));
    expect(hashIngestToken('pgi_example')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashIngestToken('pgi_example')).not.toBe(hashIngestToken('pgi_examplf'));
  });
});

describe('IngestTokenSet', () => {
  const set = new IngestTokenSet([entry('a', 'prod-eu', 'pgi_one'), entry('b', 'prod-us', 'pgi_two'), entry('c', 'prod-eu', 'pgi_three')]);

  it('finds the entry whose hash is the presented token’s, and nothing for any other text', () => {
    expect(set.match('pgi_two')).toMatchObject({ id: 'b', cluster: 'prod-us' });
    expect(set.match('pgi_three')?.id).toBe('c');
    expect(set.match('pgi_TWO')).toBeUndefined();
    expect(set.match('pgi_two ')).toBeUndefined();
    expect(set.match('')).toBeUndefined();
    // The hash itself is not a token.
    expect(set.match(hashIngestToken('pgi_two'))).toBeUndefined();
    expect(set.match('x'.repeat(5000))).toBeUndefined();
  });

  it('compares with every entry in constant time, whichever matches and whether any does', () => {
    for (const [presented, expected] of [
      ['pgi_one', 'a'],
      ['pgi_three', 'c'],
      ['pgi_nobody', undefined],
    ] as const) {
      const compared: Array<[Buffer, Buffer]> = [];
      const counting = new IngestTokenSet(set.entries, (a, b) => {
        compared.push([a, b]);
        return timingSafeEqual(a, b);
      });
      expect(counting.match(presented)?.id).toBe(expected);
      // No early exit: the first entry matching costs as much as the last, or none.
      expect(compared).toHaveLength(3);
      expect(compared.every(([a, b]) => a.length === 32 && b.length === 32)).toBe(true);
    }
  });

  it('is empty when built from nothing', () => {
    expect(IngestTokenSet.EMPTY.size).toBe(0);
    expect(IngestTokenSet.EMPTY.match('pgi_one')).toBeUndefined();
  });
});

describe('parseTokensFile', () => {
  const hash = sha256('pgi_x');

  it('reads tokens with their id, cluster, hash and optional fields; an empty file has none', () => {
    const text = `# comment\ntokens:\n  - id: apiserver-1\n    cluster: prod-eu\n    sha256: ${hash.toUpperCase()}\n    created: 2025-01-02T03:04:05.000Z\n    description: kube-apiserver\n  - id: falco\n    cluster: "edge:1"\n    sha256: ${sha256('pgi_y')}\n`;
    expect(parseTokensFile(text)).toEqual({
      problems: [],
      entries: [
        { id: 'apiserver-1', cluster: 'prod-eu', sha256: hash, created: '2025-01-02T03:04:05.000Z', description: 'kube-apiserver' },
        { id: 'falco', cluster: 'edge:1', sha256: sha256('pgi_y') },
      ],
    });
    for (const empty of ['', '# nothing yet\n', 'tokens:\n', 'tokens: []\n']) expect(parseTokensFile(empty)).toEqual({ entries: [], problems: [] });
  });

  it('reports every problem with its line and column, and keeps the good entries', () => {
    const text = [
      'tokens:',
      `  - { id: ok, cluster: prod, sha256: ${hash} }`,
      '  - id: short',
      '    cluster: prod',
      '    sha256: abc',
      `  - { id: bad-cluster, cluster: "prod eu", sha256: ${sha256('pgi_z')} }`,
      `  - { id: ok, cluster: prod, sha256: ${sha256('pgi_w')} }`,
      `  - { id: again, cluster: other, sha256: ${hash} }`,
      `  - { id: typo, cluster: prod, sha265: ${sha256('pgi_v')} }`,
      '  - just text',
      '',
    ].join('\n');
    const { entries, problems } = parseTokensFile(text);
    expect(entries.map((e) => e.id)).toEqual(['ok']);
    expect(problems.map((p) => [p.line, p.code, p.message])).toEqual([
      [5, 'INGEST_TOKENS_INVALID', 'tokens[1].sha256 must be 64 hexadecimal digits (the SHA-256 of the token)'],
      [6, 'INGEST_TOKENS_INVALID', 'tokens[2].cluster must be 1-255 letters, digits, "_", ".", ":" or "-", starting with a letter or digit'],
      [7, 'INGEST_TOKENS_INVALID', 'tokens[3].id "ok" is used twice'],
      [8, 'INGEST_TOKENS_INVALID', 'tokens[4].sha256 is listed twice: one token can only belong to one cluster'],
      [9, 'INGEST_TOKENS_INVALID', 'tokens[5]: unknown key "sha265" (expected id, cluster, sha256, created, description)'],
      [9, 'INGEST_TOKENS_INVALID', 'tokens[5]: sha256 is required'],
      [10, 'INGEST_TOKENS_INVALID', 'tokens[6] must be a mapping with id, cluster and sha256'],
    ]);
    expect(problems[0]?.column).toBe(13);
  });

  it('refuses a token stored in the clear without quoting it back', () => {
    const { entries, problems } = parseTokensFile(`tokens:\n  - id: oops\n    cluster: prod\n    token: pgi_secret-value\n    sha256: ${hash}\n`);
    expect(entries).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('a token is never stored, only its sha256');
    expect(JSON.stringify(problems)).not.toContain('pgi_secret-value');
  });

  it('reports YAML that does not parse and shapes that are not a token list', () => {
    expect(parseTokensFile('tokens: [\n').problems[0]).toMatchObject({ code: 'INGEST_TOKENS_INVALID', line: expect.any(Number) as number });
    expect(parseTokensFile('- a\n').problems.map((p) => p.message)).toEqual(['the file must be a mapping with a "tokens" list']);
    expect(parseTokensFile('tokens: 3\n').problems.map((p) => p.message)).toEqual(['"tokens" must be a list']);
    expect(parseTokensFile('tokenz: []\n').problems.map((p) => p.message)).toEqual(['unknown key "tokenz" (expected "tokens")']);
  });
});

describe('editing the tokens file', () => {
  const first: IngestTokenEntry = { id: 'one', cluster: 'prod', sha256: sha256('pgi_1'), created: '2025-01-01T00:00:00.000Z' };
  const second: IngestTokenEntry = { id: 'two', cluster: 'dev', sha256: sha256('pgi_2'), description: 'falco on dev' };

  it('starts a file with an explaining header, adds entries and keeps the comments already there', () => {
    const created = withTokenAdded('', first);
    expect(created).toMatch(/^# Peregrine ingest tokens/);
    expect(parseTokensFile(created)).toEqual({ entries: [first], problems: [] });
    const edited = withTokenAdded(`${created}# kept: a note by hand\n`.replace('tokens:', '# about tokens\ntokens:'), second);
    expect(edited).toContain('# about tokens');
    expect(parseTokensFile(edited)).toEqual({ entries: [first, second], problems: [] });
    expect(parseTokensFile(withTokenAdded('tokens: []\n', second)).entries).toEqual([second]);
  });

  it('removes an entry by id and says which it was; an unknown id changes nothing', () => {
    const text = withTokenAdded(withTokenAdded('', first), second);
    const { text: after, removed } = withTokenRemoved(text, 'one');
    expect(removed).toEqual(first);
    expect(parseTokensFile(after)).toEqual({ entries: [second], problems: [] });
    expect(withTokenRemoved(text, 'three')).toEqual({ text, removed: undefined });
  });
});
