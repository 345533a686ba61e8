import { describe, expect, it } from 'vitest';
import { type ConfigNode, configTree, filterConfigTree } from './config-tree';

// The shape of `GET /api/v1/about`'s config: falcosidekick's keys, `peregrine:`, and the outputs.
const config = {
  listenport: 2801,
  debug: false,
  customfields: {},
  prometheus: { extralabels: '', legacynames: false },
  peregrine: {
    port: 2802,
    db: { driver: 'sqlite', path: './data/peregrine.db', url: '********' },
    rules: { files: ['rules/k8s_audit_rules.yaml', '/etc/peregrine/rules.d'], disabled_tags: [] },
    auth: { users: [{ name: 'admin', password: '********' }] },
  },
  outputs: { webhook: { type: 'webhook', config: { address: 'http://127.0.0.1:9/[REDACTED]', timeout: 10000 } } },
};

const paths = (nodes: readonly ConfigNode[]): string[] => nodes.flatMap((node) => (node.kind === 'section' ? [node.path, ...paths(node.children)] : [node.path]));

describe('configTree', () => {
  const tree = configTree(config);

  it('turns objects into sections and values into settings, in the server order', () => {
    expect(tree.map((node) => [node.key, node.kind])).toEqual([
      ['listenport', 'setting'],
      ['debug', 'setting'],
      ['customfields', 'setting'],
      ['prometheus', 'section'],
      ['peregrine', 'section'],
      ['outputs', 'section'],
    ]);
    expect(paths(tree)).toContain('peregrine.db.path');
    expect(paths(tree)).toContain('outputs.webhook.config.address');
  });

  it('writes scalars and lists of scalars as one line, empties as empty', () => {
    const find = (path: string): ConfigNode | undefined => {
      const walk = (nodes: readonly ConfigNode[]): ConfigNode | undefined => {
        for (const node of nodes) {
          if (node.path === path) return node;
          if (node.kind === 'section') {
            const hit = walk(node.children);
            if (hit) return hit;
          }
        }
        return undefined;
      };
      return walk(tree);
    };
    expect(find('listenport')).toMatchObject({ kind: 'setting', text: '2801', masked: false, empty: false });
    expect(find('debug')).toMatchObject({ text: 'false' });
    expect(find('customfields')).toMatchObject({ text: '', empty: true });
    expect(find('peregrine.rules.files')).toMatchObject({ text: 'rules/k8s_audit_rules.yaml, /etc/peregrine/rules.d' });
    expect(find('peregrine.rules.disabled_tags')).toMatchObject({ text: '', empty: true });
  });

  it('keeps masked values exactly as sent and flags them', () => {
    const settings = (nodes: readonly ConfigNode[]): Array<Extract<ConfigNode, { kind: 'setting' }>> => nodes.flatMap((node) => (node.kind === 'section' ? settings(node.children) : [node]));
    const masked = settings(tree).filter((node) => node.masked);
    expect(masked.map((node) => [node.path, node.text])).toEqual([
      ['peregrine.db.url', '********'],
      ['peregrine.auth.users.0.password', '********'],
      ['outputs.webhook.config.address', 'http://127.0.0.1:9/[REDACTED]'],
    ]);
  });

  it('numbers lists of objects', () => {
    expect(paths(tree)).toEqual(expect.arrayContaining(['peregrine.auth.users', 'peregrine.auth.users.0', 'peregrine.auth.users.0.name']));
  });
});

describe('filterConfigTree', () => {
  const tree = configTree(config);

  it('keeps everything for an empty query', () => {
    expect(filterConfigTree(tree, ' ')).toEqual(tree);
  });

  it('keeps matching settings and the sections leading to them', () => {
    expect(paths(filterConfigTree(tree, 'PATH'))).toEqual(['peregrine', 'peregrine.db', 'peregrine.db.path']);
  });

  it('matches values too', () => {
    expect(paths(filterConfigTree(tree, 'sqlite'))).toEqual(['peregrine', 'peregrine.db', 'peregrine.db.driver']);
  });

  it('keeps a whole section whose path matches', () => {
    expect(paths(filterConfigTree(tree, 'prometheus'))).toEqual(['prometheus', 'prometheus.extralabels', 'prometheus.legacynames']);
  });

  it('finds nothing when nothing matches', () => {
    expect(filterConfigTree(tree, 'no-such-setting')).toEqual([]);
  });
});
