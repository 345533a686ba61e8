import { describe, expect, it } from 'vitest';
import { type ClipboardHost, copyText } from './clipboard';

/** A stand-in page: records the text area the fallback adds and what the copy command saw selected. */
function fakeDocument(copyWorks: boolean) {
  const seen: { selected?: string; attached: number; removed: number } = { attached: 0, removed: 0 };
  const area = {
    value: '',
    style: {} as Record<string, string>,
    setAttribute: () => undefined,
    select: () => (seen.selected = area.value),
    remove: () => (seen.removed += 1),
  };
  const document = {
    createElement: () => area,
    body: { appendChild: () => (seen.attached += 1) },
    execCommand: (command: string) => command === 'copy' && copyWorks && seen.selected !== undefined,
  } as unknown as ClipboardHost['document'];
  return { document, seen };
}

describe('copyText', () => {
  it('uses the Clipboard API when the page has it', async () => {
    const written: string[] = [];
    const { document, seen } = fakeDocument(true);
    await copyText('SLACK_WEBHOOKURL=https://hooks.slack.com/services/XXX', { clipboard: { writeText: async (text) => void written.push(text) }, document });
    expect(written).toEqual(['SLACK_WEBHOOKURL=https://hooks.slack.com/services/XXX']);
    expect(seen.attached).toBe(0);
  });

  it('falls back to the copy command on a hidden text area without it (plain HTTP), and removes the area', async () => {
    const { document, seen } = fakeDocument(true);
    await copyText('slack:\n  webhookurl: x\n', { clipboard: undefined, document });
    expect(seen).toEqual({ selected: 'slack:\n  webhookurl: x\n', attached: 1, removed: 1 });
  });

  it('rejects when the copy command is refused too, still removing the area', async () => {
    const { document, seen } = fakeDocument(false);
    await expect(copyText('x', { clipboard: undefined, document })).rejects.toThrow('copy refused');
    expect(seen.removed).toBe(1);
  });
});
