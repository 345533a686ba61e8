import { describe, expect, it } from 'vitest';
import { LosslessNumber } from '../common/json';
import { compileTemplatedFields, templateProblems } from './go-template';

const render = (source: string, fields: Record<string, unknown>): string => {
  const [field] = compileTemplatedFields({ f: source });
  if (!field) throw new Error('no field');
  return field.render(fields);
};

describe('templated fields (the safe subset of Go templates falcosidekick users write)', () => {
  it('indexes output fields, with or-defaults', () => {
    expect(render('{{ or (index . "k8s.ns.labels.team") "none" }}', {})).toBe('none');
    expect(render('{{ or (index . "k8s.ns.labels.team") "none" }}', { 'k8s.ns.labels.team': 'payments' })).toBe('payments');
    expect(render('team={{ index . "a" }}/{{ .b }}', { a: 'x', b: 'y' })).toBe('team=x/y');
  });

  it('prints as Go: <no value> for missing or null, numbers verbatim', () => {
    expect(render('{{ index . "missing" }}', {})).toBe('<no value>');
    expect(render('{{ index . "n" }}', { n: null })).toBe('<no value>');
    expect(render('{{ index . "t" }}', { t: new LosslessNumber('1795442727146981532') })).toBe('1795442727146981532');
    expect(render('{{ or (index . "zero") "d" }}', { zero: 0 })).toBe('d');
  });

  it('trims whitespace with {{- and -}} and skips comments', () => {
    expect(render('a  {{- "b" -}}  c{{/* note */}}', {})).toBe('abc');
  });

  it('refuses anything else at start-up, with the offset', () => {
    expect(templateProblems({ ok: '{{ index . "a" }}', bad: '{{ printf "%s" .a }}', open: 'x {{ index . "a"' })).toEqual([
      'templatedfields.bad: function "printf" is not supported (use index, or) at offset 3',
      'templatedfields.open: unclosed action "{{" at offset 2',
    ]);
  });
});
