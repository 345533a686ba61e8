/**
 * Indents JSON text without parsing it into JavaScript values, so what is shown and copied is
 * exactly what the server sent: Falco's int64 nanosecond numbers (beyond 2^53) keep every digit,
 * where `JSON.stringify(JSON.parse(text))` would round them.
 */
export function prettyJsonText(text: string, indent = '  '): string {
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = (): string => `\n${indent.repeat(depth)}`;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case '{':
      case '[': {
        // Keep empty containers on one line.
        const next = nextSignificant(text, i + 1);
        if (next === (c === '{' ? '}' : ']')) {
          out += c === '{' ? '{}' : '[]';
          i = text.indexOf(next, i + 1);
        } else {
          depth++;
          out += c + newline();
        }
        break;
      }
      case '}':
      case ']':
        depth--;
        out += newline() + c;
        break;
      case ',':
        out += ',' + newline();
        break;
      case ':':
        out += ': ';
        break;
      case ' ':
      case '\n':
      case '\r':
      case '\t':
        break;
      default:
        out += c;
    }
  }
  return out;
}

function nextSignificant(text: string, from: number): string | undefined {
  for (let i = from; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') return c;
  }
  return undefined;
}

/** What `JSON.parse` hands a reviver in current engines (the "source text access" proposal). */
type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/**
 * `JSON.parse`, except that integers beyond 2^53 (Falco's nanosecond `evt.time`) come back as
 * their exact digits in a string instead of a rounded number. Engines without source text
 * access keep the rounded number.
 */
export function parseJsonExact<T>(text: string): T {
  const reviver: Reviver = (_key, value, context) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source)) return context.source;
    return value;
  };
  return JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]) as T;
}
