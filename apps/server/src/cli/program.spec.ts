import { describe, expect, it } from 'vitest';
import { CommanderError } from 'commander';
import { ConfigError } from '../config/config.loader';
import { buildProgram, type ProcessPorts } from './program';

function harness(env: Record<string, string> = {}): { ports: ProcessPorts; out: string[]; err: string[]; served: Array<string | undefined> } {
  const out: string[] = [];
  const err: string[] = [];
  const served: Array<string | undefined> = [];
  return { out, err, served, ports: { env, stdout: (t) => out.push(t), stderr: (t) => err.push(t), serve: async (file) => void served.push(file) } };
}

describe('the peregrine CLI', () => {
  it('explains itself with --help', async () => {
    const h = harness();
    await expect(buildProgram(h.ports).parseAsync(['node', 'peregrine', '--help'])).rejects.toBeInstanceOf(CommanderError);
    const help = h.out.join('');
    expect(help).toContain('Usage: peregrine');
    expect(help).toContain('serve');
    expect(help).toContain('config');
  });

  it('prints the version as JSON, as falcosidekick -v', async () => {
    const h = harness();
    await expect(buildProgram(h.ports).parseAsync(['node', 'peregrine', '-v'])).rejects.toBeInstanceOf(CommanderError);
    expect(JSON.parse(h.out.join(''))).toEqual({ version: expect.any(String) as string });
  });

  it('serve takes -c or PEREGRINE_CONFIG', async () => {
    const h = harness({ PEREGRINE_CONFIG: '/etc/peregrine/config.yaml' });
    await buildProgram(h.ports).parseAsync(['node', 'peregrine', 'serve']);
    await buildProgram(h.ports).parseAsync(['node', 'peregrine', 'serve', '-c', 'mine.yaml']);
    expect(h.served).toEqual(['/etc/peregrine/config.yaml', 'mine.yaml']);
  });

  it('config prints the effective configuration with secrets masked, or every problem', async () => {
    const h = harness({ PEREGRINE_DB_URL: 'postgres://u:hunter2@db/p', LISTENPORT: '9999' });
    await buildProgram(h.ports).parseAsync(['node', 'peregrine', 'config']);
    const printed = JSON.parse(h.out.join('')) as { listenport: number; peregrine: { db: { url: string } } };
    expect(printed.listenport).toBe(9999);
    expect(printed.peregrine.db.url).toBe('********');
    const bad = harness({ LISTENPORT: 'x', PEREGRINE_PORT: '-1' });
    await expect(buildProgram(bad.ports).parseAsync(['node', 'peregrine', 'config'])).rejects.toSatisfy((e: unknown) => e instanceof ConfigError && e.problems.length === 2);
  });

  it('refuses unknown commands with the help hint', async () => {
    const h = harness();
    await expect(buildProgram(h.ports).parseAsync(['node', 'peregrine', 'fly'])).rejects.toBeInstanceOf(CommanderError);
    expect(h.err.join('')).toContain("unknown command 'fly'");
  });
});
