import { LosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { realisticAlert, referenceAlert } from '../testing/alerts';
import { compileGoTemplate, compileOutputFieldsTemplate, TemplateError } from './template';

const renderFields = (source: string, fields: Record<string, unknown>): string => compileOutputFieldsTemplate(source).render(fields);

const refusal = (compile: () => unknown): { code: string; reason: string; position: number; message: string } => {
  try {
    compile();
  } catch (error) {
    if (error instanceof TemplateError) return { code: error.code, reason: error.reason, position: error.position, message: error.message };
    throw error;
  }
  throw new Error('the template compiled');
};

describe('Go text/template subset: slack.messageformat (the alert as ".")', () => {
  it('renders falcosidekick test template', () => {
    expect(compileGoTemplate('Rule: {{ .Rule }} Priority: {{ .Priority }}').render(referenceAlert())).toBe('Rule: Test rule Priority: Debug');
  });

  it('prints fields as fmt.Print does', () => {
    const alert = realisticAlert({ output_fields: { s: 'x', n: 12, big: new LosslessNumber('1795442727146981532'), nil: null, list: ['a', 1], obj: { b: 1, a: 'z' } } });
    const t = compileGoTemplate('{{.Time}}|{{.Tags}}|{{ index .OutputFields "s" }}|{{ index .OutputFields "n" }}|{{index .OutputFields `big`}}|{{ index .OutputFields "nil" }}|{{ index .OutputFields "missing" }}|{{ index .OutputFields "list" }}|{{ index .OutputFields "obj" }}');
    expect(t.render(alert)).toBe('2026-11-23 14:05:27.146981532 +0000 UTC|[T1059 container mitre_execution shell]|x|12|1795442727146981532|<no value>|<no value>|[a 1]|map[a:z b:1]');
  });

  it('supports comments and whitespace trimming', () => {
    expect(compileGoTemplate('a  {{- /* note */ -}}  b {{- .Hostname }}').render(referenceAlert())).toBe('abtest-host');
    expect(compileGoTemplate('{{ .Source }} -{{.Hostname}}').render(referenceAlert())).toBe('syscalls -test-host');
  });

  it('takes or-defaults over output fields', () => {
    expect(compileGoTemplate('{{ or (index .OutputFields "missing") .Hostname }}').render(referenceAlert())).toBe('test-host');
  });

  it('refuses what it cannot render, with the position', () => {
    expect(() => compileGoTemplate('x {{ .Nope }}')).toThrow(TemplateError);
    expect(refusal(() => compileGoTemplate('x {{ .Nope }}'))).toMatchObject({ code: 'TEMPLATE_INVALID', position: 5, reason: expect.stringMatching(/^unknown field \.Nope \(supported: \{\{ \.Field \}\} \(\.UUID, \.Output/) as unknown });
    expect(() => compileGoTemplate('{{ if .Rule }}y{{ end }}')).toThrow(/unsupported template action "if"/);
    expect(refusal(() => compileGoTemplate('abc {{ .Rule'))).toEqual({ code: 'TEMPLATE_INVALID', reason: 'unclosed action "{{"', position: 4, message: 'unclosed action "{{" at offset 4' });
    // The alert is a struct, not a map: only its OutputFields can be indexed.
    expect(refusal(() => compileGoTemplate('{{ index . "rule" }}')).position).toBe(9);
    expect(refusal(() => compileGoTemplate('{{ index .Rule "x" }}')).reason).toBe('.Rule is not a map');
  });
});

describe('Go text/template subset: templatedfields (the output fields as ".")', () => {
  it('indexes output fields, with or-defaults', () => {
    expect(renderFields('{{ or (index . "k8s.ns.labels.team") "none" }}', {})).toBe('none');
    expect(renderFields('{{ or (index . "k8s.ns.labels.team") "none" }}', { 'k8s.ns.labels.team': 'payments' })).toBe('payments');
    expect(renderFields('team={{ index . "a" }}/{{ .b }}', { a: 'x', b: 'y' })).toBe('team=x/y');
    expect(renderFields('{{ or .a .b "c" }}', { b: 'B' })).toBe('B');
  });

  it('prints as Go: <no value> for missing or null, numbers verbatim, maps and lists as fmt.Print', () => {
    expect(renderFields('{{ index . "missing" }}', {})).toBe('<no value>');
    expect(renderFields('{{ index . "n" }}', { n: null })).toBe('<no value>');
    expect(renderFields('{{ index . "t" }}', { t: new LosslessNumber('1795442727146981532') })).toBe('1795442727146981532');
    expect(renderFields('{{ .m }} {{ .l }}', { m: { b: 1, a: 'z' }, l: ['a', 1, null] })).toBe('map[a:z b:1] [a 1 <nil>]');
    // A key that only an object's prototype has is missing, as in a Go map.
    expect(renderFields('{{ .constructor }}|{{ index . "toString" }}', {})).toBe('<no value>|<no value>');
  });

  it('takes Go’s truth in or: numbers are json.Number (UseNumber), so 0 is true; "", false, nil and empty lists are not', () => {
    expect(renderFields('{{ or (index . "zero") "d" }}', { zero: 0 })).toBe('0');
    expect(renderFields('{{ or (index . "zero") "d" }}', { zero: new LosslessNumber('0') })).toBe('0');
    for (const empty of ['', false, null, [], {}]) expect(renderFields('{{ or .v "d" }}', { v: empty }), JSON.stringify(empty)).toBe('d');
    expect(renderFields('{{ or .v }}', { v: '' })).toBe('');
  });

  it('trims whitespace with {{- and -}} and skips comments', () => {
    expect(renderFields('a  {{- "b" -}}  c{{/* note */}}', {})).toBe('abc');
    expect(renderFields('a \n{{- "b" }} \t{{- /* x */ -}}\n c', {})).toBe('abc');
    // Without a space the dash is not a trim marker.
    expect(() => compileOutputFieldsTemplate('a {{-"b"}}')).toThrow(TemplateError);
  });

  it('reads strings as Go does: escapes, raw strings, and "}}" inside quotes', () => {
    expect(renderFields('{{ "a\\tb" }}|{{ `c\\n` }}|{{ index . "x}}y" }}', { 'x}}y': 'z' })).toBe('a\tb|c\\n|z');
  });

  it('refuses anything else at start-up, with the offset', () => {
    expect(refusal(() => compileOutputFieldsTemplate('{{ printf "%s" .a }}'))).toEqual({
      code: 'TEMPLATE_INVALID',
      reason: 'unsupported template action "printf" (supported: {{ .key }}, {{ index . "key" }}, {{ or A B }}, "text")',
      position: 3,
      message: 'unsupported template action "printf" (supported: {{ .key }}, {{ index . "key" }}, {{ or A B }}, "text") at offset 3',
    });
    expect(refusal(() => compileOutputFieldsTemplate('x {{ index . "a"'))).toMatchObject({ reason: 'unclosed action "{{"', position: 2 });
    expect(refusal(() => compileOutputFieldsTemplate('{{ "}}" '))).toMatchObject({ reason: 'unclosed action "{{"', position: 0 });
    expect(refusal(() => compileOutputFieldsTemplate('{{ or }}'))).toMatchObject({ reason: '"or" needs at least one argument', position: 6 });
    expect(refusal(() => compileOutputFieldsTemplate('{{ .a .b }}'))).toMatchObject({ reason: 'unexpected ".b }}" in action', position: 6 });
    expect(refusal(() => compileOutputFieldsTemplate('{{ "\\x41" }}'))).toMatchObject({ reason: 'invalid escape in string', position: 3 });
    expect(refusal(() => compileOutputFieldsTemplate('{{ /* open }}'))).toMatchObject({ reason: 'unclosed comment' });
    expect(refusal(() => compileOutputFieldsTemplate('{{ (or .a }}'))).toMatchObject({ reason: 'expected ")"', position: 10 });
  });
});
