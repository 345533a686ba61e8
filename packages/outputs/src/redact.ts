/**
 * Secret redaction. An output's secrets are the values of its secret keys (webhook URLs, API
 * keys, passwords, custom header values) plus derived forms an error text could contain: the
 * URL's path, query and user info, URL-encoded and base64 (Basic auth) spellings.
 */

export const REDACTED = '[REDACTED]';

/** Shorter values would redact ordinary words (`true`, port numbers) and add no protection. */
const MIN_SECRET_LENGTH = 4;

export type Redactor = (text: string) => string;

export function expandSecret(value: string): string[] {
  const forms = new Set<string>([value]);
  try {
    const url = new URL(value);
    if (url.username) forms.add(decodeURIComponent(url.username));
    if (url.password) forms.add(decodeURIComponent(url.password));
    if (url.pathname.length > 1) forms.add(url.pathname);
    if (url.search.length > 1) {
      forms.add(url.search.slice(1));
      for (const v of url.searchParams.values()) forms.add(v);
    }
    const lastSegment = url.pathname.split('/').filter(Boolean).pop();
    if (lastSegment) forms.add(lastSegment);
  } catch {
    // Not a URL: the value itself is the secret.
  }
  for (const form of [...forms]) {
    forms.add(encodeURIComponent(form));
    // As a JSON error body may quote it (`\/` is a legal JSON escape many servers use).
    if (form.includes('/')) forms.add(form.replace(/\//g, '\\/'));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Basic-auth credentials as they travel in the Authorization header. */
export function basicAuthForms(user: string, password: string): string[] {
  if (user === '' || password === '') return [];
  return [Buffer.from(`${user}:${password}`).toString('base64'), password];
}

/** The password in a URL's user info (`https://user:pass@host`), which is a secret even in a non-secret key. */
export function urlPassword(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.password ? decodeURIComponent(url.password) : undefined;
  } catch {
    return undefined;
  }
}

export function createRedactor(secrets: Iterable<string>): Redactor {
  // Longest first, so a URL is replaced whole before its path would be.
  const forms = [...new Set([...secrets].flatMap(expandSecret))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => {
    let result = text;
    for (const form of forms) result = result.split(form).join(REDACTED);
    return result;
  };
}
