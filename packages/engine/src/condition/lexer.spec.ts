import { describe, expect, it } from 'vitest';
import { isQuotedProblem, Lexer } from './lexer';

describe('the condition lexer', () => {
  it('reads identifiers and dotted field names, each segment starting with a letter', () => {
    expect(new Lexer('kevt and').lexIdentifier()?.text).toBe('kevt');
    expect(new Lexer('ka.req.pod.containers.image[0]').lexFieldName()?.text).toBe('ka.req.pod.containers.image');
    expect(new Lexer('kevt').lexFieldName()).toBeUndefined();
    expect(new Lexer('ka.1x').lexFieldName()).toBeUndefined();
    expect(new Lexer('1abc').lexIdentifier()).toBeUndefined();
  });

  it('stops bare strings at blanks, parentheses, commas, = and quotes', () => {
    for (const [text, token] of [
      ['/healthz?x', '/healthz?x'],
      ['system:anonymous and', 'system:anonymous'],
      ['a,b', 'a'],
      ['a)b', 'a'],
      ['a=b', 'a'],
      ['a"b', 'a'],
      ['cluster-admin', 'cluster-admin'],
    ] as const) {
      expect(new Lexer(text).lexBareStr()?.text).toBe(token);
    }
    expect(new Lexer('(x').lexBareStr()).toBeUndefined();
  });

  it('reads numbers and hex numbers', () => {
    expect(new Lexer('-12.5e+3 x').lexNumber()?.text).toBe('-12.5e+3');
    expect(new Lexer('400)').lexNumber()?.text).toBe('400');
    expect(new Lexer('0x1F').lexHexNumber()?.text).toBe('0x1F');
    expect(new Lexer('0x').lexHexNumber()).toBeUndefined();
    expect(new Lexer('abc').lexNumber()).toBeUndefined();
  });

  it('reads keywords only at a word boundary', () => {
    expect(new Lexer('in (a)').lexKeyword('in')?.text).toBe('in');
    expect(new Lexer('in(a)').lexKeyword('in')?.text).toBe('in');
    expect(new Lexer('intersects').lexKeyword('in')).toBeUndefined();
    expect(new Lexer('and_x').lexKeyword('and')).toBeUndefined();
  });

  it('reads quoted strings with escapes, and reports problems instead of throwing', () => {
    const ok = new Lexer(`'it\\'s' rest`).lexQuotedStr();
    expect(ok && !isQuotedProblem(ok) ? ok.text : undefined).toBe("it's");
    const unterminated = new Lexer('"abc').lexQuotedStr();
    expect(unterminated && isQuotedProblem(unterminated) ? unterminated.kind : undefined).toBe('unterminated');
    const escape = new Lexer('"a\\zb"').lexQuotedStr();
    expect(escape && isQuotedProblem(escape) ? [escape.kind, escape.start] : undefined).toEqual(['escape', 2]);
    const quirk = new Lexer('"a\\ b"').lexQuotedStr();
    expect(quirk && !isQuotedProblem(quirk) ? quirk.text : undefined).toBe('a\\b');
  });

  it('skips every blank libsinsp skips', () => {
    const lexer = new Lexer(' \t\r\n\b x');
    expect(lexer.lexBlank()).toBe(true);
    expect(lexer.pos).toBe(6);
    expect(lexer.lexBlank()).toBe(false);
  });
});
