import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { extractEvents, loadRules, parsePriority, PRIORITIES, type LoadResult, type Priority, type RuleIssue } from '@peregrine/engine';

/** What the rules commands need from the process; tests replace all of it. */
export interface RulesCommandIo {
  readFile: (path: string) => Promise<string>;
  readStdin: () => Promise<string>;
  hostname: () => string;
}

const defaultIo: RulesCommandIo = {
  readFile: (path) => readFile(path, 'utf8'),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  },
  hostname,
};

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

function outputOf(command: Command): Output {
  const config = command.configureOutput();
  return {
    out: (text) => (config.writeOut ? config.writeOut(text) : process.stdout.write(text)),
    err: (text) => (config.writeErr ? config.writeErr(text) : process.stderr.write(text)),
  };
}

/**
 * `peregrine rules check` and `peregrine rules replay`: the engine on the command line. Files
 * are read here; the engine itself does no I/O.
 */
export function registerRulesCommands(program: Command, io: RulesCommandIo = defaultIo): void {
  const rules = program.command('rules').description('check Falco rules files and replay Kubernetes audit events through them');

  rules
    .command('check')
    .description('load rules files (in order, as Falco -r) and print every error and warning; exit 1 if there are errors')
    .option('-r, --rules <file>', 'a rules file (repeatable; loaded in the order given)', collect, [])
    .option('--json', 'print the load result as JSON')
    .action(async (options: { rules: string[]; json?: boolean }, command: Command) => {
      const output = outputOf(command);
      const result = await loadFiles(options.rules, io, command);
      if (options.json) {
        output.out(`${JSON.stringify({ errors: result.errors, warnings: result.warnings, rules: result.ruleset.rules }, null, 2)}\n`);
      } else {
        for (const issue of [...result.errors, ...result.warnings]) output.out(`${formatIssue(issue, result.errors.includes(issue) ? 'error' : 'warning')}\n`);
        const evaluated = result.ruleset.rules.filter((rule) => rule.evaluated).length;
        output.out(`${result.ruleset.rules.length} rules loaded (${evaluated} k8s_audit, evaluated), ${plural(result.errors.length, 'error')}, ${plural(result.warnings.length, 'warning')}\n`);
      }
      if (result.errors.length > 0) throw new CommanderError(1, 'peregrine.rules.errors', `${plural(result.errors.length, 'error')} in the rules`);
    });

  rules
    .command('replay')
    .description('evaluate audit events (JSON: one Event, an EventList, an array, or one per line; - for stdin) and print one Falco JSON alert per line')
    .argument('<events...>', 'files of audit events, or - for stdin')
    .option('-r, --rules <file>', 'a rules file (repeatable; loaded in the order given)', collect, [])
    .option('-T, --disable-tag <tag>', 'disable the rules with this tag (repeatable), as Falco -T', collect, [])
    .option('-D, --disable-rule <substring>', 'disable the rules whose name contains this (repeatable), as Falco -D', collect, [])
    .addOption(new Option('--rule-matching <mode>', "Falco's rule_matching: the first matching rule only, or all").choices(['first', 'all']).default('first'))
    .addOption(new Option('--min-priority <priority>', "Falco's priority setting: rules below it are not evaluated").default('debug'))
    .option('--hostname <name>', 'the hostname written in the alerts (default: this machine)')
    .action(async (paths: string[], options: { rules: string[]; disableTag: string[]; disableRule: string[]; ruleMatching: 'first' | 'all'; minPriority: string; hostname?: string }, command: Command) => {
      const output = outputOf(command);
      const minPriority: Priority | undefined = parsePriority(options.minPriority);
      if (minPriority === undefined) command.error(`error: --min-priority '${options.minPriority}' is not one of ${PRIORITIES.join(', ')}`, { exitCode: 2, code: 'peregrine.rules.priority' });
      const result = await loadFiles(options.rules, io, command, { disabledTags: options.disableTag, disabledRulesMatching: options.disableRule });
      for (const issue of result.errors) output.err(`${formatIssue(issue, 'error')}\n`);
      let failed = result.errors.length > 0;
      const host = options.hostname ?? io.hostname();
      for (const path of paths) {
        let text: string;
        try {
          text = path === '-' ? await io.readStdin() : await io.readFile(path);
        } catch (error) {
          output.err(`${path}: cannot read: ${error instanceof Error ? error.message : String(error)}\n`);
          failed = true;
          continue;
        }
        for (const item of readEvents(text)) {
          if ('problem' in item) {
            output.err(`${path === '-' ? '<stdin>' : path}:${item.where}: ${item.problem}\n`);
            continue;
          }
          for (const alert of result.ruleset.evaluate(item.event, { ruleMatching: options.ruleMatching, minPriority, hostname: host })) output.out(`${JSON.stringify(alert)}\n`);
        }
      }
      if (failed) throw new CommanderError(1, 'peregrine.rules.errors', 'not everything could be read');
    });
}

async function loadFiles(paths: readonly string[], io: RulesCommandIo, command: Command, options: Parameters<typeof loadRules>[1] = {}): Promise<LoadResult> {
  if (paths.length === 0) command.error('error: at least one --rules <file> is required', { exitCode: 2, code: 'peregrine.rules.missing' });
  const files: Array<{ name: string; text: string }> = [];
  for (const path of paths) {
    try {
      files.push({ name: path, text: await io.readFile(path) });
    } catch (error) {
      command.error(`error: cannot read rules file ${path}: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 1, code: 'peregrine.rules.unreadable' });
    }
  }
  return loadRules(files, options);
}

/**
 * Events in file order: a JSON document (one Event, an EventList or an array of them), or
 * newline-delimited JSON when the whole text is not one JSON value.
 */
export function readEvents(text: string): Array<{ event: unknown } | { where: string; problem: string }> {
  const out: Array<{ event: unknown } | { where: string; problem: string }> = [];
  const take = (value: unknown, where: (index: number) => string): void => {
    const extracted = extractEvents(value);
    const errors = [...extracted.errors];
    // extractEvents keeps order among events; interleave errors by index for readable output.
    for (const event of extracted.events) out.push({ event });
    for (const error of errors) out.push({ where: where(error.index), problem: `${error.code}: ${error.message}` });
  };
  let whole: unknown;
  let isWhole = true;
  try {
    whole = JSON.parse(text);
  } catch {
    isWhole = false;
  }
  if (isWhole) {
    take(whole, (index) => (Array.isArray(whole) || isEventList(whole) ? `item ${index}` : '1'));
    return out;
  }
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      out.push({ where: String(index + 1), problem: `INVALID_JSON: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    take(value, () => String(index + 1));
  });
  return out;
}

function isEventList(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'EventList';
}

function formatIssue(issue: RuleIssue, severity: 'error' | 'warning'): string {
  const where = issue.position ? `${issue.file}:${issue.position.line}:${issue.position.column}` : issue.file;
  const item = issue.item?.name !== undefined ? ` [${issue.item.type} '${issue.item.name}']` : '';
  return `${where}: ${severity} ${issue.code}${item}: ${issue.message}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
