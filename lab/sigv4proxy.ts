/**
 * The lab's Amazon OpenSearch Service front door: a proxy that verifies each request's SigV4
 * signature as the service does and passes only correctly signed ones to the lab's real OpenSearch.
 * It recomputes the signature with the AWS SDK's own signer (@smithy/signature-v4 with
 * @smithy/hash-node's sha256) from the request's method, path, query, signed headers and body, using
 * the key pairs it was given, so a client's signer (the OpenSearch client's, built on aws4) is checked
 * by an independent implementation. Refused with 403 and a body worded as AWS words it: unsigned,
 * unknown key, wrong region or service in the credential scope, a date more than 5 minutes off, a
 * body that is not the one signed, a signature that does not match.
 *
 *   node dist/lab/sigv4proxy.js --upstream http://127.0.0.1:7250 --port 7260 --region eu-west-1 \
 *     --access-key-id AKIDLAB --secret-key-file data/lab/secrets/aws-lab.key [--service es] \
 *     [--s3-folder DIR] [--tls-dir DIR]
 *
 * --tls-dir: serve HTTPS as a domain endpoint does, with a lab CA and certificate made there
 * (store/certificates.ts; a plan trusts DIR/ca.pem with `ca: { file }`).
 * --s3-folder: a STAND-IN for S3, because the lab's OpenSearch has no repository-s3 plugin. A
 * signed `PUT _snapshot/<repo>` of type s3 (role_arn required, as Amazon OpenSearch requires it) is
 * recorded and registered on the lab's OpenSearch as an fs repository in DIR/<bucket>/<base_path>
 * (DIR must be in its path.repo); `GET _snapshot[/<repo>]` answers it as the s3 repository
 * registered. It proves the registration is signed and carries role_arn, bucket, region and
 * base_path; it cannot prove IAM passing the role or the service reaching the bucket. Without it, an
 * s3 registration goes to OpenSearch as sent, which refuses the unknown type.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { makeLabCertificates } from '../store/certificates';
import { exitOnFailure, oneOf, parseCommandLine, portOption, required } from '../src/commandLine';

export interface Sigv4ProxyOptions {
  /** The lab's OpenSearch, e.g. http://127.0.0.1:7250. */
  upstream: string;
  region: string;
  service?: string;
  /** Access key id → secret access key: the identities the proxy accepts. */
  keys: Record<string, string>;
  port?: number;
  host?: string;
  /** How far X-Amz-Date may be from the proxy's clock (AWS: 5 minutes). */
  maxSkewMs?: number;
  /** The S3 stand-in's folder (see the file's comment); absent: s3 registrations go upstream unchanged. */
  s3Folder?: string;
  /** Serve HTTPS, as a domain endpoint does, with this certificate (store/certificates.ts makes one); absent: HTTP. */
  tls?: { certFile: string; keyFile: string };
}

/** What the proxy decided about one request; kept so a test can see every request was signed. */
export interface ProxyVerdict {
  method: string;
  path: string;
  accessKeyId?: string;
  signedHeaders?: string[];
  /** 'passed', or the refusal's message. */
  verdict: string;
}

/** A signed s3 repository registration the stand-in took (its body as the client sent it). */
export interface S3Registration {
  repository: string;
  accessKeyId: string;
  signedHeaders: string[];
  body: { type: string; settings: Record<string, unknown> };
}

export interface Sigv4Proxy {
  url: string;
  port: number;
  verdicts: ProxyVerdict[];
  registrations: S3Registration[];
  close(): Promise<void>;
}

/** AWS's own wording for each refusal (what Amazon OpenSearch Service answers). */
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const MAX_BODY = 16 << 20;

class Refusal extends Error {
  constructor(
    message: string,
    readonly status = 403,
  ) {
    super(message);
  }
}

const sha256Hex = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** `20261207T183500Z` → Date; undefined when malformed. */
function parseAmzDate(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) throw new Refusal('Missing Authentication Token');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
      header.trim(),
    );
  if (!m)
    throw new Refusal(
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters of AWS4-HMAC-SHA256. Authorization=${header.split(' ')[0]}`,
    );
  return {
    accessKeyId: m[1],
    date: m[2],
    region: m[3],
    service: m[4],
    signedHeaders: m[5].split(';'),
    signature: m[6],
  };
}

/**
 * Checks one request's signature; returns who signed it, or throws a Refusal with AWS's wording.
 * The expected signature is the SDK signer's over the same method, path, query, signed headers
 * (with their values as received) and body hash, at the request's own X-Amz-Date.
 */
async function verify(
  req: http.IncomingMessage,
  body: Buffer,
  options: Required<Pick<Sigv4ProxyOptions, 'region' | 'service' | 'keys' | 'maxSkewMs'>>,
): Promise<ParsedAuthorization> {
  const auth = parseAuthorization(req.headers.authorization);
  const secret = options.keys[auth.accessKeyId];
  if (secret === undefined) throw new Refusal('The security token included in the request is invalid.');
  if (auth.region !== options.region) throw new Refusal('Credential should be scoped to a valid region. ');
  if (auth.service !== options.service)
    throw new Refusal(`Credential should be scoped to correct service: '${options.service}'. `);
  const amzDate = req.headers['x-amz-date'] as string | undefined;
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt || !auth.signedHeaders.includes('x-amz-date') || !auth.signedHeaders.includes('host'))
    throw new Refusal(MISMATCH);
  const now = Date.now();
  if (Math.abs(now - signedAt.getTime()) > options.maxSkewMs) {
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    throw new Refusal(
      `Signature expired: ${amzDate} is now earlier than ${stamp(now - options.maxSkewMs)} (${stamp(now)} - 5 min.)`,
    );
  }
  if (auth.date !== amzDate?.slice(0, 8)) throw new Refusal(MISMATCH);
  // The signer trusts this header as the body's hash, so the body must be the one it names.
  const claimed = req.headers['x-amz-content-sha256'] as string | undefined;
  if (claimed !== undefined && claimed !== 'UNSIGNED-PAYLOAD' && claimed !== sha256Hex(body))
    throw new Refusal("The provided 'x-amz-content-sha256' header does not match what was computed.", 400);

  const url = new URL(req.url ?? '/', 'http://proxy.invalid');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const had = query[key];
    query[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) throw new Refusal(MISMATCH);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    region: options.region,
    service: options.service,
    sha256: Hash.bind(null, 'sha256'),
    // Sign exactly the headers the client signed: the SDK would otherwise add and sign its own
    // x-amz-content-sha256, which clients signing without one (curl --aws-sigv4, botocore) never sent.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'https:',
      hostname: headers.host ?? '',
      path: url.pathname,
      query,
      headers,
      body: body.length ? body : undefined,
    },
    { signingDate: signedAt, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const expectedHeaders = /SignedHeaders=([a-z0-9;-]+)/.exec(String(signed.headers.authorization))?.[1] ?? '';
  if (
    expectedHeaders !== auth.signedHeaders.join(';') ||
    !timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature))
  )
    throw new Refusal(MISMATCH);
  return auth;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Refusal('Request size exceeded', 413));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Sends the request on to the lab's OpenSearch; resolves its answer. */
function forward(
  upstream: URL,
  method: string,
  pathAndQuery: string,
  headers: http.IncomingHttpHeaders,
  body: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = { ...headers, host: upstream.host, 'content-length': String(body.length) };
    delete out.authorization;
    delete out.connection;
    const request = http.request(
      { hostname: upstream.hostname, port: upstream.port, method, path: pathAndQuery, headers: out, timeout: 120_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('upstream timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

const REPOSITORY_PATH = /^\/_snapshot\/([^/?]+)\/?$/;

export async function startSigv4Proxy(options: Sigv4ProxyOptions): Promise<Sigv4Proxy> {
  const upstream = new URL(options.upstream);
  const settings = {
    region: options.region,
    service: options.service ?? 'es',
    keys: options.keys,
    maxSkewMs: options.maxSkewMs ?? 5 * 60_000,
  };
  const verdicts: ProxyVerdict[] = [];
  const registrations: S3Registration[] = [];
  /** The S3 stand-in's repositories: name → the s3 settings registered (answered back on GET). */
  const standIns = new Map<string, Record<string, unknown>>();

  const json = (res: http.ServerResponse, status: number, value: unknown) => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  /** The stand-in's rewrite of an s3 registration into an fs one in the S3 folder (see the file's comment). */
  function standInRegistration(repository: string, auth: ParsedAuthorization, body: Buffer): Buffer | undefined {
    if (!options.s3Folder) return undefined;
    let parsed: { type?: string; settings?: Record<string, unknown> };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      return undefined;
    }
    if (parsed.type !== 's3') return undefined;
    const s3 = parsed.settings ?? {};
    if (typeof s3.role_arn !== 'string' || typeof s3.bucket !== 'string')
      throw new Refusal(
        `[${repository}] an s3 repository on Amazon OpenSearch Service needs settings.bucket and settings.role_arn (lab stand-in)`,
        400,
      );
    registrations.push({
      repository,
      accessKeyId: auth.accessKeyId,
      signedHeaders: auth.signedHeaders,
      body: parsed as S3Registration['body'],
    });
    standIns.set(repository, s3);
    const location = path.join(options.s3Folder, s3.bucket, typeof s3.base_path === 'string' ? s3.base_path : '');
    return Buffer.from(
      JSON.stringify({
        type: 'fs',
        settings: { location, ...(s3.readonly !== undefined ? { readonly: s3.readonly } : {}) },
      }),
    );
  }

  /** GET _snapshot[/<repo>]: the stand-in's repositories answered as the s3 ones registered. */
  function asRegistered(body: Buffer): Buffer {
    try {
      const repos = JSON.parse(body.toString('utf8')) as Record<
        string,
        { type: string; settings: Record<string, unknown> }
      >;
      for (const [name, s3] of standIns)
        if (repos[name])
          repos[name] = {
            type: 's3',
            settings: Object.fromEntries(Object.entries(s3).map(([k, v]) => [k, String(v)])),
          };
      return Buffer.from(JSON.stringify(repos));
    } catch {
      return body;
    }
  }

  const handler: http.RequestListener = (req, res) => {
    void (async () => {
      const method = req.method ?? 'GET';
      const pathAndQuery = req.url ?? '/';
      const entry: ProxyVerdict = { method, path: pathAndQuery, verdict: 'passed' };
      verdicts.push(entry);
      try {
        const body = await readBody(req);
        const auth = await verify(req, body, settings);
        entry.accessKeyId = auth.accessKeyId;
        entry.signedHeaders = auth.signedHeaders;
        const repository = REPOSITORY_PATH.exec(new URL(pathAndQuery, 'http://proxy.invalid').pathname)?.[1];
        let sent = body;
        if (repository && (method === 'PUT' || method === 'POST'))
          sent = standInRegistration(decodeURIComponent(repository), auth, body) ?? body;
        const answer = await forward(upstream, method, pathAndQuery, req.headers, sent);
        let answerBody = answer.body;
        if (
          method === 'GET' &&
          answer.status === 200 &&
          /^\/_snapshot\/?([^/?]*)\/?$/.test(req.url?.split('?')[0] ?? '')
        )
          answerBody = asRegistered(answer.body);
        const headers = { ...answer.headers, 'content-length': String(answerBody.length) };
        delete headers['transfer-encoding'];
        res.writeHead(answer.status, headers);
        res.end(answerBody);
      } catch (error) {
        if (error instanceof Refusal) {
          entry.verdict = error.message;
          json(res, error.status, { message: error.message });
        } else {
          entry.verdict = `upstream: ${(error as Error).message}`;
          json(res, 502, { message: `lab OpenSearch behind the proxy: ${(error as Error).message}` });
        }
      }
    })();
  };
  const server = options.tls
    ? https.createServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, handler)
    : http.createServer(handler);
  // A client dropping its connection mid-request is its business, not the proxy's end.
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    verdicts,
    registrations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const PROGRAM = 'sigv4proxy';
const USAGE = `usage: node dist/lab/sigv4proxy.js --upstream URL --port N --region R --access-key-id ID --secret-key-file F [--service es|aoss] [--s3-folder DIR] [--tls-dir DIR]`;

async function main(): Promise<void> {
  const { values } = parseCommandLine({
    program: PROGRAM,
    usage: USAGE,
    options: {
      upstream: { type: 'string' },
      port: { type: 'string' },
      region: { type: 'string' },
      service: { type: 'string' },
      'access-key-id': { type: 'string' },
      'secret-key-file': { type: 'string' },
      's3-folder': { type: 'string' },
      'tls-dir': { type: 'string' },
    },
  });
  const need = (name: string) => required(PROGRAM, values, name);
  const service = oneOf(PROGRAM, values.service ?? 'es', 'service', ['es', 'aoss'] as const);
  const proxy = await startSigv4Proxy({
    upstream: need('upstream'),
    region: need('region'),
    service,
    keys: { [need('access-key-id')]: readFileSync(need('secret-key-file'), 'utf8').trim() },
    port: portOption(PROGRAM, values.port, 'port', 0),
    s3Folder: values['s3-folder'],
    tls: values['tls-dir'] ? await makeLabCertificates(values['tls-dir']) : undefined,
  });
  console.log(`${PROGRAM}: ${proxy.url} → ${values.upstream} (SigV4 ${values.region}/${service})`);
}

if (require.main === module) void main().catch(exitOnFailure(`${PROGRAM} failed to start`));
