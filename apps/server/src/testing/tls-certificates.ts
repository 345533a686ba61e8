import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable } from './processes';

/** A key and certificate written to files, as `tlsserver.certfile` / `keyfile` name them. */
export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
  /** Upper-case hex, as node's `getPeerCertificate().serialNumber` shows it. */
  readonly serialNumber: string;
  readonly fingerprint256: string;
}

export type CertificateUse = 'server' | 'client';

/**
 * A throw-away certificate authority made with the system's `openssl` (node:crypto makes keys but
 * not certificates): a CA, server certificates for `localhost` and 127.0.0.1, and client
 * certificates, each with a random serial so a renewed certificate is told apart from the old one.
 * P-256 keys: quick to make.
 */
export class TestCertificateAuthority {
  private constructor(
    private readonly openssl: string,
    private readonly dir: string,
    readonly ca: IssuedCertificate,
  ) {}

  static create(dir: string, name = 'ca'): TestCertificateAuthority {
    const openssl = findExecutable(['/usr/bin/openssl', '/usr/local/bin/openssl']);
    if (openssl === undefined) throw new Error('openssl is needed to make test certificates: apt-get install openssl (.ci/run installs it)');
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    run(openssl, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=Peregrine test ${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', keyFile, '-out', certFile,
    ]);
    return new TestCertificateAuthority(openssl, dir, issued(certFile, keyFile));
  }

  /** A certificate signed by this CA, written as `<name>.crt` and `<name>.key` (unless `files` says where). */
  issue(name: string, use: CertificateUse, files?: { certFile: string; keyFile: string }): IssuedCertificate {
    const certFile = files?.certFile ?? join(this.dir, `${name}.crt`);
    const keyFile = files?.keyFile ?? join(this.dir, `${name}.key`);
    const csrFile = join(this.dir, `${name}.csr`);
    const extensionsFile = join(this.dir, `${name}.ext`);
    writeFileSync(
      extensionsFile,
      use === 'server' ? 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' : 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n',
    );
    run(this.openssl, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csrFile]);
    run(this.openssl, [
      'x509', '-req', '-in', csrFile, '-CA', this.ca.certFile, '-CAkey', this.ca.keyFile, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '1', '-extfile', extensionsFile, '-out', certFile,
    ]);
    return issued(certFile, keyFile);
  }
}

function run(openssl: string, args: readonly string[]): void {
  execFileSync(openssl, args, { stdio: 'pipe' });
}

function issued(certFile: string, keyFile: string): IssuedCertificate {
  const cert = readFileSync(certFile, 'utf8');
  const x509 = new X509Certificate(cert);
  return { certFile, keyFile, cert, key: readFileSync(keyFile, 'utf8'), serialNumber: x509.serialNumber, fingerprint256: x509.fingerprint256 };
}
