import { describe, expect, it } from 'vitest';
import { ConditionCompiler } from '../condition/compiler';
import { eventContext } from '../events';
import { compileOutput, isOutputProblem, renderValue, type CompiledOutput } from './format';

function compile(format: string): { output: CompiledOutput; render: (event: Record<string, unknown>) => ReturnType<CompiledOutput['render']> } {
  const compiler = new ConditionCompiler(new Map(), new Map(), 1000);
  const output = compileOutput(format, compiler);
  if (isOutputProblem(output)) throw new Error(output.message);
  const state = compiler.newState();
  return {
    output,
    render: (event) => {
      const context = eventContext({ kind: 'Event', auditID: 'x', stageTimestamp: '2024-01-01T00:00:00Z', ...event }, '');
      if (context === undefined) throw new Error('setup');
      state.reset(context);
      return output.render(state);
    },
  };
}

describe('rule outputs', () => {
  it('substitute fields, ending each at the longest known field name', () => {
    const { render, output } = compile('user=%ka.user.name target=%ka.target.name/%ka.target.resource ns=%ka.target.namespace.');
    expect(output.fields).toEqual(['ka.user.name', 'ka.target.name', 'ka.target.resource', 'ka.target.namespace']);
    expect(render({ user: { username: 'u' }, objectRef: { name: 'n', resource: 'pods', namespace: 'default' } }).text).toBe('user=u target=n/pods ns=default.');
  });

  it('render missing values as <NA> (null in output_fields), list fields as (a,b) as Falco prints them (arrays in output_fields), objects as compact JSON', () => {
    const { render } = compile('%ka.impuser.name %ka.user.groups %ka.req.binding.subjects %ka.uri.param[command] %jevt.value[/requestObject/spec]');
    const result = render({ user: { groups: ['a', 'b'] }, requestURI: '/x?command=ls', requestObject: { subjects: [{ kind: 'User', name: 'n' }], spec: { a: [1] } } });
    expect(result.text).toBe('<NA> (a,b) ({"kind":"User","name":"n"}) ls {"a":[1]}');
    expect(result.fields).toEqual({
      'ka.impuser.name': null,
      'ka.user.groups': ['a', 'b'],
      'ka.req.binding.subjects': ['{"kind":"User","name":"n"}'],
      'ka.uri.param[command]': 'ls',
      'jevt.value[/requestObject/spec]': '{"a":[1]}',
    });
  });

  it('render a list field of one value and of several as Falco does; an empty list extracts nothing (<NA>), as the k8saudit plugin', () => {
    const { render } = compile('images=%ka.req.pod.containers.image groups=%ka.user.groups');
    const pod = (images: string[]) => ({ objectRef: { resource: 'pods' }, requestObject: { spec: { containers: images.map((image) => ({ image })) } } });
    expect(render({ ...pod(['nginx']), user: { groups: [] } }).text).toBe('images=(nginx) groups=<NA>');
    expect(render(pod(['nginx:1.25', 'busybox:1.36'])).text).toBe('images=(nginx:1.25,busybox:1.36) groups=<NA>');
  });

  it('leave a percent sign that starts no field as text', () => {
    expect(compile('100% sure %').render({}).text).toBe('100% sure %');
  });

  it('report an unknown field or a bad argument, with its offsets', () => {
    const compiler = new ConditionCompiler(new Map(), new Map(), 1000);
    expect(compileOutput('x %ka.nope y', compiler)).toMatchObject({ start: 2, end: 10, message: expect.stringContaining('%ka.nope') as string });
    expect(compileOutput('%ka.uri.param', compiler)).toMatchObject({ message: expect.stringContaining('requires an argument') as string });
    expect(compileOutput('%ka.uri.param[x', compiler)).toMatchObject({ message: expect.stringContaining("not closed with ']'") as string });
  });
});

describe('renderValue', () => {
  it('renders as Falco shows values', () => {
    expect(renderValue(undefined)).toBe('<NA>');
    expect(renderValue('plain text')).toBe('plain text');
    expect(renderValue(3)).toBe('3');
    // A list field: its values joined by ',' in parentheses (libsinsp sinsp_filter_check::tostring).
    expect(renderValue(['nginx:1.25', 'busybox:1.36'])).toBe('(nginx:1.25,busybox:1.36)');
    expect(renderValue(['nginx'])).toBe('(nginx)');
    expect(renderValue([])).toBe('()');
    expect(renderValue([1, 2])).toBe('(1,2)');
    // Objects inside a list: compact JSON as the extractor wrote it (the event's key order); other strings as they are.
    expect(renderValue(['a', '{"b":1}', '[1]', '{oops'])).toBe('(a,{"b":1},[1],{oops)');
  });
});
