import { describe, expect, it } from 'vitest';
import { loadRules } from '../load';

/** The file position reported for an unknown field `ka.nope` placed somewhere in a condition. */
function positionOf(yamlCondition: string): { line: number; column: number; offset?: number } | undefined {
  const text = `- rule: r\n  desc: d\n  output: o\n  priority: INFO\n  source: k8s_audit\n  condition: ${yamlCondition}\n`;
  const { errors } = loadRules([{ name: 'f.yaml', text }]);
  expect(errors.map((e) => e.code)).toEqual(['UNKNOWN_FIELD']);
  return errors[0]?.position;
}

describe('positions inside conditions', () => {
  it('are exact in plain, quoted and single-quoted scalars', () => {
    expect(positionOf('ka.verb = get and ka.nope = 1')).toMatchObject({ line: 6, column: 32, offset: 18 });
    expect(positionOf('"ka.verb = \\"get\\" and ka.nope = 1"')).toMatchObject({ line: 6, column: 37, offset: 20 });
    expect(positionOf("'ka.verb = ''get'' and ka.nope = 1'")).toMatchObject({ line: 6, column: 37, offset: 20 });
  });

  it('follow folded and literal blocks over lines', () => {
    expect(positionOf('>\n    ka.verb = get and\n    ka.nope = 1')).toMatchObject({ line: 8, column: 5, offset: 18 });
    expect(positionOf('|\n    ka.verb = get and\n      ka.nope = 1')).toMatchObject({ line: 8, column: 7 });
    expect(positionOf('ka.verb = get and\n    ka.nope = 1')).toMatchObject({ line: 7, column: 5, offset: 18 });
  });

  it('point into the appended part of an appended condition', () => {
    const text = `- rule: r\n  desc: d\n  output: o\n  priority: INFO\n  source: k8s_audit\n  condition: ka.verb = get\n- rule: r\n  append: true\n  condition: and ka.nope = 1\n`;
    const [error] = loadRules([{ name: 'f.yaml', text }]).errors;
    expect(error).toMatchObject({ code: 'UNKNOWN_FIELD', position: { line: 9, column: 18, offset: 4, length: 7 } });
  });
});
