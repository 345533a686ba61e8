import { useCallback, useEffect, useState } from 'react';

/** `system` follows the operating system's light/dark setting; the others pin one. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'peregrine.theme';
const CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

export function storedTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return CHOICES.includes(value as ThemeChoice) ? (value as ThemeChoice) : 'system';
  } catch {
    // Storage can be off (privacy settings); the system setting is a fine answer.
    return 'system';
  }
}

/** The stylesheet keys its palettes on `<html data-theme>`; no attribute means "follow the system". */
export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = choice;
}

// Before the first render, so a pinned theme never flashes the other one.
applyTheme(storedTheme());

/** The theme choice, remembered in localStorage; `next` cycles system → light → dark. */
export function useTheme(): { choice: ThemeChoice; next: () => void } {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  useEffect(() => {
    applyTheme(choice);
    try {
      if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // Not remembered, still applied.
    }
  }, [choice]);
  const next = useCallback(() => setChoice((current) => CHOICES[(CHOICES.indexOf(current) + 1) % CHOICES.length] ?? 'system'), []);
  return { choice, next };
}

/** Whether the page currently renders dark (for charts that need concrete colours). */
export function useDarkMode(): boolean {
  const read = (): boolean => {
    const pinned = document.documentElement.dataset['theme'];
    return pinned ? pinned === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
  };
  const [dark, setDark] = useState(read);
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const update = (): void => setDark(read());
    const observer = new MutationObserver(update);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    media.addEventListener('change', update);
    return () => {
      observer.disconnect();
      media.removeEventListener('change', update);
    };
  }, []);
  return dark;
}
