/**
 * Versions this engine claims, checked against `required_engine_version` and
 * `required_plugin_versions`. The engine version follows Falco's numbering (an integer N in a
 * rules file means 0.N.0); the plugin versions are those whose field sets this engine
 * implements (k8saudit's fields of its 0.18 line, json's fields of its 0.7 line).
 */
export const ENGINE_VERSION = '0.50.0';

export const IMPLEMENTED_PLUGINS: ReadonlyMap<string, string> = new Map([
  ['k8saudit', '0.18.0'],
  ['json', '0.7.3'],
]);

export interface Semver {
  major: number;
  minor: number;
  patch: number;
}

export function parseSemver(text: string): Semver | undefined {
  const m = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$/.exec(text.trim());
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** Same major version and at least the required one (libsinsp's sinsp_version::compatible_with). */
export function satisfies(have: Semver, required: Semver): boolean {
  if (have.major !== required.major) return false;
  if (have.minor !== required.minor) return have.minor > required.minor;
  return have.patch >= required.patch;
}

export function formatSemver(version: Semver): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}
