import { describe, expect, it } from 'vitest';
import { splitExcerpt } from './excerpt';

describe('splitExcerpt', () => {
  const line = '  condition: kevt and ka.verbb = create';

  it('cuts the line around the span the server names', () => {
    expect(splitExcerpt({ text: line, start: 22, end: 30 })).toEqual({ before: '  condition: kevt and ', marked: 'ka.verbb', after: ' = create', isPoint: false });
  });

  it('marks a point when start equals end (e.g. the condition ends too early)', () => {
    const text = '  condition: ka.verb =';
    expect(splitExcerpt({ text, start: text.length, end: text.length })).toEqual({ before: text, marked: '', after: '', isPoint: true });
  });

  it('clamps a span beyond the line instead of marking nothing or throwing', () => {
    expect(splitExcerpt({ text: 'abc', start: 1, end: 99 })).toEqual({ before: 'a', marked: 'bc', after: '', isPoint: false });
    expect(splitExcerpt({ text: 'abc', start: -4, end: 1 })).toEqual({ before: '', marked: 'a', after: 'bc', isPoint: false });
    expect(splitExcerpt({ text: 'abc', start: 2, end: 1 })).toEqual({ before: 'ab', marked: '', after: 'c', isPoint: true });
  });

  it('keeps every character: the parts join back into the line', () => {
    for (let start = 0; start <= line.length; start += 3) {
      for (let end = start; end <= line.length; end += 5) {
        const parts = splitExcerpt({ text: line, start, end });
        expect(parts.before + parts.marked + parts.after).toBe(line);
        expect(parts.marked).toBe(line.slice(start, end));
      }
    }
  });
});
