/**
 * Certificates for the lab's TLS listeners (ElastiCache's in-transit encryption, Amazon MQ's amqps
 * and HTTPS console, a signing proxy), made with the machine's `openssl` when a lab comes up: a CA of
 * the lab's own and a server certificate for 127.0.0.1 and localhost signed by it. Plans name the CA
 * file (`ca: { file: … }`), as an operator names the Amazon root CA bundle.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LabCertificates {
  /** PEM of the CA that signed the server certificate: what a client trusts. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The files `makeLabCertificates(dir)` writes (or found there). */
export function labCertificatePaths(dir: string): LabCertificates {
  return {
    caFile: path.join(dir, 'ca.pem'),
    certFile: path.join(dir, 'server.pem'),
    keyFile: path.join(dir, 'server-key.pem'),
  };
}

/**
 * A CA and a server certificate in `dir`, valid for 127.0.0.1 and localhost for `days`. Kept when
 * all three files exist already, so a lab restarted on its old data keeps trusting the same CA.
 */
export async function makeLabCertificates(dir: string, days = 30): Promise<LabCertificates> {
  const files = labCertificatePaths(dir);
  if (Object.values(files).every((file) => existsSync(file))) return files;
  mkdirSync(dir, { recursive: true });
  const caKey = path.join(dir, 'ca-key.pem');
  const csr = path.join(dir, 'server.csr');
  const ext = path.join(dir, 'server.ext');
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir, timeout: 30_000 });
  await openssl(['genrsa', '-out', caKey, '2048']);
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-sha256',
    '-days',
    String(days),
    '-subj',
    '/CN=drillbook lab CA',
    '-out',
    files.caFile,
  ]);
  await openssl(['genrsa', '-out', files.keyFile, '2048']);
  await openssl(['req', '-new', '-key', files.keyFile, '-subj', '/CN=localhost', '-out', csr]);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    files.caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    String(days),
    '-sha256',
    '-extfile',
    ext,
    '-out',
    files.certFile,
  ]);
  return files;
}
