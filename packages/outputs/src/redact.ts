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
    const segments = url.pathname.split('/').filter(Boolean);
    const lastSegment = segments[segments.length - 1];
    if (lastSegment) forms.add(lastSegment);
    // Tokens inside a path (`/services/T0001/B0002/XXXX`, `/webhookb2/<id>@<tenant>/...`): segments that look generated.
    for (const segment of segments) if (segment.length >= MIN_TOKEN_PART && /\d/.test(segment)) forms.add(decodeURIComponent(segment));
  } catch {
    // Not a URL: the value itself is the secret, and so is each token inside it.
    for (const form of tokensInside(value)) forms.add(form);
  }
  for (const form of [...forms]) {
    forms.add(encodeURIComponent(form));
    // As a JSON error body may quote it (`\/` is a legal JSON escape many servers use).
    if (form.includes('/')) forms.add(form.replace(/\//g, '\\/'));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Parts of a secret shorter than this are not redacted on their own (`Bearer`, `Token`, `Basic`). */
const MIN_TOKEN_PART = 8;

/**
 * The tokens inside a header value such as `Bearer <token>`, `GenieKey <key>` or
 * `Basic <base64>` (and the password that base64 carries): a sink that echoes only the token
 * must not show it.
 */
function tokensInside(value: string): string[] {
  const parts = value.split(/\s+/).filter((part) => part.length >= MIN_TOKEN_PART);
  if (parts.length < 2 && parts[0] === value) return [];
  const found = [...parts];
  const [scheme, credentials] = value.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'basic' && credentials !== undefined) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) found.push(decoded, decoded.slice(colon + 1));
  }
  return found;
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
