import { describe, expect, it } from 'vitest';
import { LosslessNumber } from '../common/json';
import { compileTemplatedFields, templateProblems } from './templated-fields';

// The template language itself is specified in packages/outputs/src/go/template.spec.ts.
describe('templatedfields', () => {
  it('compiles each entry and renders it over an alert’s output fields', () => {
    const fields = compileTemplatedFields({ owner: '{{ or (index . "k8s.ns.labels.team") "none" }}', time: '{{ .t }}' });
    expect(fields.map((field) => field.name)).toEqual(['owner', 'time']);
    expect(fields.map((field) => field.render({ 'k8s.ns.labels.team': 'payments', t: new LosslessNumber('1795442727146981532') }))).toEqual(['payments', '1795442727146981532']);
    expect(fields.map((field) => field.render({}))).toEqual(['none', '<no value>']);
  });

  it('names every bad entry with its offset, for the configuration error', () => {
    expect(templateProblems({ ok: '{{ index . "a" }}', bad: '{{ printf "%s" .a }}', open: 'x {{ index . "a"' })).toEqual([
      'templatedfields.bad: unsupported template action "printf" (supported: {{ .key }}, {{ index . "key" }}, {{ or A B }}, "text") at offset 3',
      'templatedfields.open: unclosed action "{{" at offset 2',
    ]);
    expect(templateProblems({})).toEqual([]);
  });
});
