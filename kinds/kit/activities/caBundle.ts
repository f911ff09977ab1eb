/**
 * TLS towards a managed service: the CA bundle a plan names (`tls: { ca: { file } }`: Amazon's root
 * CAs in production, the lab CA in tests), read at the moment of use, and a certificate the bundle
 * does not vouch for told apart from a server that is merely down. An untrusted certificate is never
 * retried nor worked around: the connection is refused and the step fails naming the certificate.
 */
import { readFile } from 'node:fs/promises';
import { failNonRetryable } from './failures';

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

/** The PEM text of the CA bundle at `file`; `planPath` names the plan's field in the failure. */
export async function readCaBundle(file: string, planPath: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    failNonRetryable(
      `${planPath}: the CA bundle ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      'CaBundleMissing',
    );
  }
  if (!text.includes(PEM_CERTIFICATE))
    failNonRetryable(
      `${planPath}: ${file} holds no PEM certificate (expected "${PEM_CERTIFICATE}" blocks: the CA bundle, such as Amazon's root CAs)`,
      'CaBundleMissing',
    );
  return text;
}

/** OpenSSL's and Node's codes for a certificate chain the client does not trust or a name it does not match. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The code when `error` (or its cause) is a certificate the client refused, else undefined. */
export function untrustedCertificate(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && UNTRUSTED.has(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * Fails the step, not retried: `who` ("RabbitMQ queue on dc1 (host:5671)") presented a certificate
 * the client refused. `ca` is the plan's bundle and its path, or undefined when the worker's own
 * trust store was used.
 */
export function failUntrusted(
  who: string,
  code: string,
  error: unknown,
  ca: { file: string; planPath: string } | undefined,
  type: string,
): never {
  const trusted = ca ? `the CA bundle ${ca.file} (${ca.planPath})` : "this worker's default CAs (the plan names no CA)";
  failNonRetryable(
    `${who} presented a certificate that ${trusted} does not vouch for: ${code} (${(error as Error).message}); the connection was refused. Check that ${ca ? ca.planPath : 'tls: { ca: { file: PATH } }'} names the CA that signed the broker's certificate, and that the URL names the host the certificate is for`,
    type,
    { certificate: code, ...(ca ? { ca: ca.file } : {}) },
  );
}
