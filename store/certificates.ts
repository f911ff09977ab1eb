/**
 * Certificates for the lab's TLS listeners (ElastiCache's in-transit encryption, Amazon MQ's amqps
 * and HTTPS console, a signing proxy) and for the project's own Temporal cluster (mTLS between its
 * clients and the frontend, src/temporal/cluster.ts), made with the machine's `openssl` when a lab or
 * the cluster comes up: a CA of its own and a server certificate for 127.0.0.1 and localhost signed by
 * it; client certificates on demand. Plans name the CA file (`ca: { file: … }`), as an operator names
 * the Amazon root CA bundle. Here, below lab/ and src/, so both make them the same way.
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

const openssl = (dir: string, args: string[]) => run('openssl', args, { cwd: dir, timeout: 30_000 });

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
  await openssl(dir, ['genrsa', '-out', caKey, '2048']);
  await openssl(dir, [
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
  await openssl(dir, ['genrsa', '-out', files.keyFile, '2048']);
  await openssl(dir, ['req', '-new', '-key', files.keyFile, '-subj', '/CN=localhost', '-out', csr]);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await openssl(dir, [
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

/**
 * A client certificate (CN `name`, clientAuth only) signed by the CA that `makeLabCertificates(dir)`
 * made in `dir`: what a client presents to a server that requires one (mutual TLS). Kept when it
 * exists. Returns the certificate's and its key's files.
 */
export async function makeClientCertificate(
  dir: string,
  name: string,
  days = 30,
): Promise<{ certFile: string; keyFile: string }> {
  const { caFile } = labCertificatePaths(dir);
  const caKey = path.join(dir, 'ca-key.pem');
  if (!existsSync(caKey)) throw new Error(`no CA key in ${dir}: make the CA with makeLabCertificates first`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
    throw new Error(`a client certificate's name is lowercase letters, digits and dashes: ${name}`);
  const files = { certFile: path.join(dir, `${name}.pem`), keyFile: path.join(dir, `${name}-key.pem`) };
  if (existsSync(files.certFile) && existsSync(files.keyFile)) return files;
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  await openssl(dir, ['genrsa', '-out', files.keyFile, '2048']);
  await openssl(dir, ['req', '-new', '-key', files.keyFile, '-subj', `/CN=${name}`, '-out', csr]);
  writeFileSync(ext, 'extendedKeyUsage=clientAuth\n');
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
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
