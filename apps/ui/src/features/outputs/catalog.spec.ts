import { describe, expect, it } from 'vitest';
import type { OutputCatalogEntry } from './api/outputs';
import { secretNote, shownEntry } from './catalog';

const entry = (type: string, keys: Array<{ env: string; secret: boolean }>): OutputCatalogEntry => ({
  type,
  title: type,
  description: `${type} output`,
  docs: `packages/outputs/README.md#${type}`,
  keys: keys.map((key) => ({ ...key, path: key.env.toLowerCase().replace(/_/g, '.'), description: 'd', example: 'x' })),
  env: '',
  yaml: '',
});

describe('the output catalog on the Outputs page', () => {
  const slack = entry('slack', [{ env: 'SLACK_WEBHOOKURL', secret: true }]);
  const smtp = entry('smtp', [
    { env: 'SMTP_HOSTPORT', secret: false },
    { env: 'SMTP_FROM', secret: false },
  ]);

  it('shows the chosen type, else the first', () => {
    expect(shownEntry([slack, smtp], 'smtp')).toBe(smtp);
    expect(shownEntry([slack, smtp], undefined)).toBe(slack);
    expect(shownEntry([slack, smtp], 'gone')).toBe(slack);
    expect(shownEntry([], undefined)).toBeUndefined();
  });

  it('names the secret keys, and says nothing when there are none', () => {
    expect(secretNote(slack)).toMatch(/^SLACK_WEBHOOKURL is a secret: keep the real value/);
    const two = entry('x', [
      { env: 'A_USER', secret: false },
      { env: 'A_KEY', secret: true },
      { env: 'A_TOKEN', secret: true },
    ]);
    expect(secretNote(two)).toMatch(/^A_KEY and A_TOKEN are secrets: /);
    expect(secretNote(smtp)).toBeUndefined();
  });
});
