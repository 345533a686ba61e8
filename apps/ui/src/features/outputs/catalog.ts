import type { OutputCatalogEntry } from './api/outputs';

/** The entry the picker shows: the one chosen, else the first (so an example is on screen at once). */
export function shownEntry(entries: readonly OutputCatalogEntry[], chosenType: string | undefined): OutputCatalogEntry | undefined {
  return entries.find((entry) => entry.type === chosenType) ?? entries[0];
}

/** A reminder under the examples when a key holds a secret; undefined when none does. */
export function secretNote(entry: OutputCatalogEntry): string | undefined {
  const secrets = entry.keys.filter((key) => key.secret).map((key) => key.env);
  if (secrets.length === 0) return undefined;
  const names = secrets.length === 1 ? `${secrets[0]} is a secret` : `${secrets.slice(0, -1).join(', ')} and ${secrets[secrets.length - 1]} are secrets`;
  return `${names}: keep the real value in a Kubernetes Secret or an env file, not in a shared config file. Peregrine masks it everywhere it shows settings.`;
}
