import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';

/**
 * Ingest tokens: what a sender presents (Falco, falcosidekick, a kube-apiserver), each bound to
 * one cluster. Only the SHA-256 of a token is ever stored. A plain, fast hash is enough because
 * tokens are 256 random bits: there is nothing to guess, only a stolen file to make useless (as
 * session tokens, auth/secret-generator.ts). No I/O here: ingest-tokens-file.ts reads the file.
 */

/** Recognisable to secret scanners; the rest is base64url, safe in headers, paths and URL user info. */
export const TOKEN_PREFIX = 'pgi_';
/** Longer presented tokens are refused without hashing: no real token is near this long. */
const MAX_PRESENTED_LENGTH = 1024;

export const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;
export const TOKEN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ENTRY_KEYS = new Set(['id', 'cluster', 'sha256', 'created', 'description']);

export interface IngestTokenEntry {
  /** Names the token in `peregrine token list|revoke` and in logs; never derived from the token. */
  id: string;
  /** Every alert sent with this token is stored in this cluster, whatever the request names. */
  cluster: string;
  /** Lower-case hex SHA-256 of the token text. */
  sha256: string;
  created?: string;
  description?: string;
}

/** A fresh token: 256 bits from the operating system's CSPRNG. */
export function generateIngestToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashIngestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The tokens in force. `match` compares the presented token's hash with every entry in constant
 * time and never stops at the first match, so neither which entry matched nor how much of a hash
 * agreed shows in the time it takes.
 */
export class IngestTokenSet {
  private readonly digests: ReadonlyArray<{ entry: IngestTokenEntry; digest: Buffer }>;

  constructor(
    readonly entries: readonly IngestTokenEntry[],
    /** Injected so a test can see that every entry is compared. */
    private readonly equal: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
  ) {
    this.digests = entries.map((entry) => ({ entry, digest: Buffer.from(entry.sha256, 'hex') }));
  }

  static readonly EMPTY = new IngestTokenSet([]);

  get size(): number {
    return this.digests.length;
  }

  match(presented: string): IngestTokenEntry | undefined {
    if (presented === '' || presented.length > MAX_PRESENTED_LENGTH) return undefined;
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: IngestTokenEntry | undefined;
    for (const candidate of this.digests) {
      // No early exit and no short-circuit: every entry costs the same comparison.
      const same = this.equal(digest, candidate.digest);
      if (same && found === undefined) found = candidate.entry;
    }
    return found;
  }
}

export interface TokensFileProblem {
  code: 'INGEST_TOKENS_INVALID';
  message: string;
  line: number;
  column: number;
}

export interface ParsedTokensFile {
  entries: IngestTokenEntry[];
  problems: TokensFileProblem[];
}

/**
 * Reads the tokens file: `tokens:` a list of `{id, cluster, sha256, created?, description?}`.
 * Every problem is reported with its line and column; an entry with a problem is left out. A
 * value is never quoted back in a problem: it could be a token pasted by mistake.
 */
export function parseTokensFile(text: string): ParsedTokensFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: TokensFileProblem[] = [];
  const at = (node: Node | null | undefined, message: string): void => {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    problems.push({ code: 'INGEST_TOKENS_INVALID', message, line, column: col });
  };
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      problems.push({ code: 'INGEST_TOKENS_INVALID', message: error.message.split('\n')[0] ?? 'not YAML', line, column: col });
    }
    return { entries: [], problems };
  }
  const root = document.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { entries: [], problems };
  if (!isMap(root)) {
    at(root, 'the file must be a mapping with a "tokens" list');
    return { entries: [], problems };
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'tokens') at(pair.key, `unknown key "${key.slice(0, 40)}" (expected "tokens")`);
  }
  const list = root.get('tokens', true) as Node | undefined;
  if (list === undefined || (isScalar(list) && list.value === null)) return { entries: [], problems };
  if (!isSeq(list)) {
    at(list, '"tokens" must be a list');
    return { entries: [], problems };
  }
  const entries: IngestTokenEntry[] = [];
  const ids = new Set<string>();
  const hashes = new Set<string>();
  list.items.forEach((item, index) => {
    const where = `tokens[${index}]`;
    if (!isMap(item)) {
      at(item as Node, `${where} must be a mapping with id, cluster and sha256`);
      return;
    }
    const before = problems.length;
    const field = (name: string): string | undefined => stringField(item, name, where, at);
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key === 'token') at(pair.key as Node, `${where}: a token is never stored, only its sha256 (npx peregrine token create writes both; or printf %s "$TOKEN" | sha256sum)`);
      else if (!ENTRY_KEYS.has(key)) at(pair.key as Node, `${where}: unknown key "${key.slice(0, 40)}" (expected id, cluster, sha256, created, description)`);
    }
    const id = field('id');
    const cluster = field('cluster');
    const sha256 = field('sha256')?.toLowerCase();
    const created = field('created');
    const description = field('description');
    const node = (name: string): Node => (item.get(name, true) as Node | undefined) ?? item;
    if (id === undefined) at(item, `${where}: id is required`);
    else if (!TOKEN_ID.test(id)) at(node('id'), `${where}.id must be 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit`);
    else if (ids.has(id)) at(node('id'), `${where}.id "${id}" is used twice`);
    if (cluster === undefined) at(item, `${where}: cluster is required`);
    else if (!CLUSTER_NAME.test(cluster)) at(node('cluster'), `${where}.cluster must be 1-255 letters, digits, "_", ".", ":" or "-", starting with a letter or digit`);
    if (sha256 === undefined) at(item, `${where}: sha256 is required`);
    else if (!SHA256_HEX.test(sha256)) at(node('sha256'), `${where}.sha256 must be 64 hexadecimal digits (the SHA-256 of the token)`);
    else if (hashes.has(sha256)) at(node('sha256'), `${where}.sha256 is listed twice: one token can only belong to one cluster`);
    if (problems.length > before || id === undefined || cluster === undefined || sha256 === undefined) return;
    ids.add(id);
    hashes.add(sha256);
    entries.push({ id, cluster, sha256, ...(created !== undefined ? { created } : {}), ...(description !== undefined ? { description } : {}) });
  });
  return { entries, problems };
}

function stringField(item: YAMLMap, name: string, where: string, at: (node: Node | null | undefined, message: string) => void): string | undefined {
  const node = item.get(name, true) as Node | undefined;
  if (node === undefined) return undefined;
  if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number')) {
    at(node, `${where}.${name} must be text`);
    return undefined;
  }
  // A hand-written hash of digits only reads as a number; its text is what was meant.
  return typeof node.value === 'number' ? (node.source ?? String(node.value)) : node.value;
}

const FILE_HEADER =
  'Peregrine ingest tokens (peregrine.ingest.auth.tokens_file): the SHA-256 of each token, never the token.\n' +
  'A sender presenting a token is stored in its cluster. Changes apply without a restart.\n' +
  'Manage with: npx peregrine token create --cluster NAME | npx peregrine token list | npx peregrine token revoke ID';

/** The file's text with one more entry; comments and layout of the rest are kept. */
export function withTokenAdded(text: string, entry: IngestTokenEntry): string {
  const document = parseDocument(text.trim() === '' ? 'tokens: []\n' : text);
  if (text.trim() === '') document.commentBefore = FILE_HEADER.split('\n').map((line) => ` ${line}`).join('\n');
  const list = document.get('tokens', true);
  if (!isSeq(list)) document.set('tokens', document.createNode([]));
  const tokens = document.get('tokens', true);
  if (isSeq(tokens)) tokens.flow = false;
  document.addIn(['tokens'], document.createNode({ ...entry }));
  return document.toString({ lineWidth: 0 });
}

/** The file's text without the entry `id`, and that entry as it was (undefined: no such id). */
export function withTokenRemoved(text: string, id: string): { text: string; removed: IngestTokenEntry | undefined } {
  const removed = parseTokensFile(text).entries.find((entry) => entry.id === id);
  const document = parseDocument(text);
  const list = document.get('tokens', true);
  if (removed === undefined || !isSeq(list)) return { text, removed: undefined };
  list.items = list.items.filter((item) => !(isMap(item) && String(item.get('id')) === id));
  return { text: document.toString({ lineWidth: 0 }), removed };
}
