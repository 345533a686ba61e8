import { useState } from 'react';

/** What copying needs from the browser; a parameter so the fallback can be tried without one. */
export interface ClipboardHost {
  /** The Clipboard API: present only in secure contexts (HTTPS, localhost). */
  readonly clipboard?: Pick<Clipboard, 'writeText'> | undefined;
  readonly document: Pick<Document, 'createElement' | 'body' | 'execCommand'>;
}

function browserHost(): ClipboardHost {
  return { clipboard: navigator.clipboard, document };
}

/**
 * Copies text to the clipboard. The Clipboard API exists only in secure contexts; a dashboard
 * reached over plain HTTP on a LAN address falls back to the older copy command on a hidden
 * text area. Rejects when neither works (the page then says so).
 */
export async function copyText(text: string, host: ClipboardHost = browserHost()): Promise<void> {
  if (host.clipboard) return host.clipboard.writeText(text);
  const area = host.document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  host.document.body.appendChild(area);
  area.select();
  try {
    // Deprecated, but the only way without the Clipboard API.
    if (!host.document.execCommand('copy')) throw new Error('copy refused');
  } finally {
    area.remove();
  }
}

export type CopyOutcome = 'idle' | 'copied' | 'failed';

/**
 * A Copy button's state: the outcome of the last copy, as long as it was of this same text
 * (another text shown in the same place starts idle again).
 */
export function useCopy(text: string): { outcome: CopyOutcome; copy: () => void } {
  const [last, setLast] = useState<{ text: string; outcome: CopyOutcome }>({ text, outcome: 'idle' });
  const copy = (): void => {
    copyText(text).then(
      () => setLast({ text, outcome: 'copied' }),
      () => setLast({ text, outcome: 'failed' }),
    );
  };
  return { outcome: last.text === text ? last.outcome : 'idle', copy };
}
