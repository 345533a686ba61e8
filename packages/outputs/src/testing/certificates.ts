import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireExecutable } from './processes';

/** PEM text of a key and its certificate. */
export interface CertificatePair {
  readonly key: string;
  readonly cert: string;
}

/**
 * A self-signed certificate for `localhost` and 127.0.0.1, valid for a day, made by `openssl req
 * -x509` in `dir` (node:crypto can make keys but not certificates). The certificate is its own
 * CA: trusting it as `ca` makes verification pass; without it, verification fails as it would
 * against any unknown issuer.
 */
export function selfSignedCertificate(dir: string, commonName = 'localhost'): CertificatePair {
  const openssl = requireExecutable(['/usr/bin/openssl', '/usr/local/bin/openssl'], 'apt-get install openssl');
  const keyPath = join(dir, `${commonName}.key.pem`);
  const certPath = join(dir, `${commonName}.cert.pem`);
  execFileSync(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=DNS:${commonName},IP:127.0.0.1`,
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'pipe' },
  );
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
}
