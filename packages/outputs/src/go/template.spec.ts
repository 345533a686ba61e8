import { LosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { realisticAlert, referenceAlert } from '../testing/alerts';
import { compileGoTemplate, TemplateError } from './template';

describe('Go text/template subset for slack.messageformat', () => {
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

  it('refuses what it cannot render, with the position', () => {
    expect(() => compileGoTemplate('x {{ .Nope }}')).toThrow(TemplateError);
    expect(() => compileGoTemplate('{{ if .Rule }}y{{ end }}')).toThrow(/unsupported template action/);
    expect(() => compileGoTemplate('abc {{ .Rule')).toThrow(/unclosed action at offset 4/);
  });
});
