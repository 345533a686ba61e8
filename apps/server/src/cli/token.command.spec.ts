import { createHash } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseTokensFile } from '../ingest/ingest-tokens';
import { registerTokenCommands, type TokenCommandIo } from './token.command';

interface World {
  files: Map<string, string>;
  out: string;
  err: string;
  tokens: string[];
}

async function run(args: string[], world: World, env: Record<string, string> = {}): Promise<number> {
  let issued = 0;
  const io: TokenCommandIo = {
    env,
    cwd: () => '/srv/peregrine',
    readFile: async (path) => world.files.get(path),
    writeFile: async (path, text) => void world.files.set(path, text),
    now: () => new Date('2025-03-04T05:06:07.000Z'),
    newToken: () => {
      const token = `pgi_issued-${world.tokens.length + ++issued}`;
      world.tokens.push(token);
      return token;
    },
    randomSuffix: () => 'beef',
    out: (text) => void (world.out += text),
    err: (text) => void (world.err += text),
  };
  const program = new Command('peregrine').exitOverride().configureOutput({ writeOut: (text) => void (world.out += text), writeErr: (text) => void (world.err += text) });
  registerTokenCommands(program, io);
  try {
    await program.parseAsync(['node', 'peregrine', ...args]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
}

const fresh = (): World => ({ files: new Map(), out: '', err: '', tokens: [] });
const DEFAULT_FILE = '/srv/peregrine/data/ingest-tokens.yaml';

describe('peregrine token', () => {
  it('create prints a new token once on stdout and stores only its SHA-256, in the configured file', async () => {
    const world = fresh();
    expect(await run(['token', 'create', '--cluster', 'prod-eu', '--description', 'kube-apiserver'], world, { PEREGRINE_INGEST_AUTH_ENABLED: 'true' })).toBe(0);
    const [token] = world.tokens;
    expect(world.out).toBe(`${token}\n`);
    expect(world.err).toContain('created ingest token prod-eu-20250304-beef for cluster prod-eu');
    expect(world.err).not.toContain('enabled is false');
    const text = world.files.get(DEFAULT_FILE) ?? '';
    expect(text).not.toContain(token);
    expect(parseTokensFile(text)).toEqual({
      problems: [],
      entries: [{ id: 'prod-eu-20250304-beef', cluster: 'prod-eu', sha256: createHash('sha256').update(token ?? '').digest('hex'), created: '2025-03-04T05:06:07.000Z', description: 'kube-apiserver' }],
    });
  });

  it('takes the file from --file, else PEREGRINE_INGEST_AUTH_TOKENS_FILE, else the configuration, relative to the working folder', async () => {
    const world = fresh();
    await run(['token', 'create', '--cluster', 'a', '--id', 'one', '--file', 'custom.yaml'], world);
    await run(['token', 'create', '--cluster', 'b', '--id', 'two'], world, { PEREGRINE_INGEST_AUTH_TOKENS_FILE: '/etc/peregrine/tokens.yaml' });
    expect([...world.files.keys()]).toEqual(['/srv/peregrine/custom.yaml', '/etc/peregrine/tokens.yaml']);
    // Said when the configuration read has the feature off: the token is not checked yet.
    expect(world.err).toContain('peregrine.ingest.auth.enabled is false');
  });

  it('several tokens per cluster (rotation by overlap): create the new, list both, revoke the old', async () => {
    const world = fresh();
    await run(['token', 'create', '--cluster', 'prod-eu', '--id', 'old'], world);
    await run(['token', 'create', '--cluster', 'prod-eu', '--id', 'new', '--description', 'rotated'], world);
    world.out = '';
    expect(await run(['token', 'list'], world)).toBe(0);
    expect(world.out).toBe(
      ['ID   CLUSTER  CREATED                   DESCRIPTION', 'old  prod-eu  2025-03-04T05:06:07.000Z', 'new  prod-eu  2025-03-04T05:06:07.000Z  rotated', ''].join('\n'),
    );
    for (const token of world.tokens) expect(world.out).not.toContain(token);

    expect(await run(['token', 'revoke', 'old'], world)).toBe(0);
    expect(world.err).toContain('revoked ingest token old (cluster prod-eu)');
    world.out = '';
    await run(['token', 'list', '--json'], world);
    expect(JSON.parse(world.out)).toEqual([{ id: 'new', cluster: 'prod-eu', created: '2025-03-04T05:06:07.000Z', description: 'rotated' }]);
  });

  it('refuses a bad cluster or id, a duplicate id, an unknown id to revoke, and a broken file, saying why', async () => {
    const world = fresh();
    expect(await run(['token', 'create', '--cluster', 'prod eu'], world)).toBe(2);
    expect(world.err).toContain('error: --cluster must be 1-255 letters');
    expect(await run(['token', 'create', '--cluster', 'prod', '--id', '-x'], world)).toBe(2);
    expect(world.err).toContain('error: --id must be');
    await run(['token', 'create', '--cluster', 'prod', '--id', 'same'], world);
    expect(await run(['token', 'create', '--cluster', 'other', '--id', 'same'], world)).toBe(2);
    expect(world.err).toContain(`a token with id same already exists in ${DEFAULT_FILE}`);
    expect(await run(['token', 'revoke', 'nobody'], world)).toBe(1);
    expect(world.err).toContain(`no token with id nobody in ${DEFAULT_FILE}`);
    // Nothing was written by the refused commands.
    expect(world.tokens).toHaveLength(1);

    world.files.set(DEFAULT_FILE, 'tokens:\n  - { id: a, cluster: prod, sha256: short }\n');
    expect(await run(['token', 'create', '--cluster', 'prod'], world)).toBe(1);
    expect(world.err).toContain(`${DEFAULT_FILE}:2:37: INGEST_TOKENS_INVALID`);
    expect(world.files.get(DEFAULT_FILE)).toBe('tokens:\n  - { id: a, cluster: prod, sha256: short }\n');
  });

  it('list says when there is no token yet', async () => {
    const world = fresh();
    expect(await run(['token', 'list'], world)).toBe(0);
    expect(world.out).toBe(`no ingest tokens in ${DEFAULT_FILE}\n`);
  });
});
