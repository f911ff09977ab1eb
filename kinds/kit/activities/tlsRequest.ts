/**
 * One HTTP(S) request whose server certificate is verified against a given CA bundle (a plan's
 * `tls: { ca }`): Node's fetch cannot be given a CA per request, so this speaks node:http(s) itself,
 * one connection per request, bounded in time. It rejects only when no answer came (refused, reset,
 * timed out, a certificate refused: caBundle.ts untrustedCertificate tells which); any HTTP status
 * is an answer.
 */
import http from 'node:http';
import https from 'node:https';

export interface TlsRequest {
  method?: string;
  headers?: Record<string, string>;
  /** PEM of the CA bundle to trust instead of the worker's defaults (https only). */
  ca?: string;
  body?: string;
  timeoutMs?: number;
}

export function requestWithCa(url: URL, options: TlsRequest = {}): Promise<{ status: number; text: string }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const common = {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: false as const,
      timeout: timeoutMs,
    };
    const answer = (response: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    };
    const req =
      url.protocol === 'https:'
        ? https.request(url, { ...common, ...(options.ca ? { ca: options.ca } : {}) }, answer)
        : http.request(url, common, answer);
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000}s`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
