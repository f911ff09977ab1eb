/**
 * Amazon OpenSearch Service sites (`aws: { region }`) against two real single-node OpenSearch 2.19
 * clusters (scripts/lab/opensearch-sites.sh), each behind a SigV4-verifying proxy bound to its
 * "region" (lab/sigv4proxy.ts) that recomputes every signature with the AWS SDK's own signer. The
 * worker signs with the official client's AWS signer and the SDK's default credential chain, fed
 * here from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY as a worker's environment would.
 *
 * What this cannot prove (NOTES.md): IAM itself (policies, es:ESHttp* actions, iam:PassRole on the
 * snapshot role) and S3. The lab's OpenSearch has no repository-s3 plugin, so the proxy's S3
 * stand-in takes the signed s3 registration (role_arn and all, recorded for the assertions) and
 * registers an fs folder in its place; snapshot, restore and canary then run signed against the
 * real clusters. Without the stand-in, OpenSearch's own refusal of the s3 type fails the step.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { promisify } from 'node:util';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { Client } from '@opensearch-project/opensearch';
import { createOpensearchSitesActivities } from '../kinds/opensearch/activities/sites';
import { startSigv4Proxy, type Sigv4Proxy } from '../lab/sigv4proxy';
import { makeLabCertificates, type LabCertificates } from '../store/certificates';
import { freePort, labOffsetFor } from './support/ports';
import { expectFailure, startOpenctiLab, stepInput, switchArgs, type OpenctiLab } from './support/openctiLab';
import type { SiteRole } from '../domain';
import type { OpensearchSitesAction, OpensearchSitesArgs } from '../kinds/opensearch/clusterPerSiteActions';

/** This file's ports when DRILLBOOK_TEST_PORTS is unset: jest runs two files at once, and the other labs' fallback bands are 26000-27999. */
const OWN_PORTS = { from: 31000, to: 31299 };

jest.setTimeout(240_000);
const run = promisify(execFile);

const KEY = { accessKeyId: 'DRILLBOOKLABKEY0001', secretAccessKey: 'lab-secret-for-the-sigv4-proxy-only' };
const REGIONS: Record<SiteRole, string> = { primary: 'eu-west-1', secondary: 'eu-central-1' };
const ROLE = 'arn:aws:iam::111122223333:role/opencti-search-snapshots';
const AWS_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;
const savedEnv = Object.fromEntries(AWS_ENV.map((name) => [name, process.env[name]]));

let lab: OpenctiLab;
/** The proxies serve HTTPS, as domain endpoints do, with a lab CA the plan names (`ca: { file }`). */
let certs: LabCertificates;
const proxies = {} as Record<SiteRole, Sigv4Proxy>;
/** In front of the primary cluster without the S3 stand-in: an s3 registration reaches OpenSearch as sent. */
let plainProxy: Sigv4Proxy;

/** The worker's environment: the SDK's default chain finds these first. */
function workerCredentials(secretAccessKey: string): void {
  for (const name of AWS_ENV) delete process.env[name];
  process.env.AWS_ACCESS_KEY_ID = KEY.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
}

beforeAll(async () => {
  // Transport 5 above HTTP (not 100), so an offset can put all four of the lab's ports inside this run's range.
  process.env.DRILLBOOK_LAB_OSS_TRANSPORT_GAP = '5';
  lab = await startOpenctiLab(await labOffsetFor([7250, 7251, 7255, 7256], OWN_PORTS), ['opensearch']);
  const upstream = (site: SiteRole) => `http://127.0.0.1:${lab.port('opensearch', site)}`;
  const s3Folder = `${lab.dir}/opensearch-sites/snapshots`;
  const keys = { [KEY.accessKeyId]: KEY.secretAccessKey };
  certs = await makeLabCertificates(`${lab.dir}/tls`);
  for (const site of ['primary', 'secondary'] as const)
    proxies[site] = await startSigv4Proxy({
      upstream: upstream(site),
      region: REGIONS[site],
      keys,
      s3Folder,
      tls: certs,
      port: await freePort(),
    });
  plainProxy = await startSigv4Proxy({
    upstream: upstream('primary'),
    region: REGIONS.primary,
    keys,
    tls: certs,
    port: await freePort(),
  });
  // The platform's data, written straight to the cluster (the app's writes, not the drill's).
  const direct = new Client({ node: upstream('primary') });
  await direct.bulk({
    refresh: 'true',
    body: Array.from({ length: 20 }, (_, i) => [
      { index: { _index: 'opencti_indicators', _id: String(i) } },
      { i },
    ]).flat(),
  });
  await direct.close();
});
afterAll(async () => {
  for (const name of AWS_ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  delete process.env.DRILLBOOK_LAB_OSS_TRANSPORT_GAP;
  await Promise.all([...Object.values(proxies), plainProxy].filter(Boolean).map((p) => p.close()));
  await lab?.destroy();
});

const args = (over: Partial<OpensearchSitesArgs> = {}): OpensearchSitesArgs => ({
  ...switchArgs('search'),
  sites: {
    primary: {
      url: proxies.primary.url,
      aws: { region: REGIONS.primary, service: 'es' },
      s3Repository: { bucket: 'opencti-search-snapshots', region: 'eu-west-1', roleArn: ROLE, basePath: 'opencti' },
    },
    secondary: {
      url: proxies.secondary.url,
      aws: { region: REGIONS.secondary, service: 'es' },
      s3Repository: { bucket: 'opencti-search-snapshots', region: 'eu-west-1', roleArn: ROLE, basePath: 'opencti' },
    },
  },
  minStatus: 'yellow',
  ca: { file: certs.caFile },
  canaryIndex: 'drillbook-canary',
  snapshot: { repository: 'aws-dr', indices: 'opencti_*', maxAge: 3_600_000 },
  waitMs: 60_000,
  ...over,
});
const call = <A extends OpensearchSitesAction>(
  acts: ReturnType<typeof createOpensearchSitesActivities>,
  action: A,
  drillId: string,
  a: OpensearchSitesArgs,
  site?: SiteRole,
) => acts[action](stepInput(drillId, action, a, site));

/** A raw request to a proxy, as curl would send it: the test's own headers, nothing added but Host. */
function raw(
  proxy: Sigv4Proxy,
  request: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: proxy.port,
        method: request.method,
        path: request.path,
        headers: request.headers,
        ca: readFileSync(certs.caFile),
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Headers signed by the AWS SDK's signer for a request to `proxy`, with the scope and date given. */
async function signedHeaders(
  proxy: Sigv4Proxy,
  request: { method: string; path: string; body?: string },
  scope: { region?: string; service?: string; secret?: string; at?: Date; withoutContentHash?: boolean } = {},
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: scope.secret ?? KEY.secretAccessKey },
    region: scope.region ?? REGIONS.primary,
    service: scope.service ?? 'es',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: !scope.withoutContentHash,
  });
  const headers: Record<string, string> = { host: `127.0.0.1:${proxy.port}` };
  if (request.body) headers['content-type'] = 'application/json';
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: request.path,
      query: {},
      headers,
      body: request.body,
    },
    { signingDate: scope.at ?? new Date() },
  );
  return signed.headers as Record<string, string>;
}

test('the proxy refuses unsigned, wrongly signed, stale, wrong-region, wrong-service and tampered requests, and passes a signed one', async () => {
  const health = { method: 'GET', path: '/_cluster/health' };
  const proxy = proxies.primary;
  const before = proxy.verdicts.length;

  const unsigned = await raw(proxy, health);
  expect(unsigned).toEqual({ status: 403, body: JSON.stringify({ message: 'Missing Authentication Token' }) });

  const wrongSecret = await raw(proxy, {
    ...health,
    headers: await signedHeaders(proxy, health, { secret: 'not-it' }),
  });
  expect(wrongSecret.status).toBe(403);
  expect(JSON.parse(wrongSecret.body).message).toMatch(/^The request signature we calculated does not match/);

  const stale = await raw(proxy, {
    ...health,
    headers: await signedHeaders(proxy, health, { at: new Date(Date.now() - 6 * 60_000) }),
  });
  expect(stale.status).toBe(403);
  expect(JSON.parse(stale.body).message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);

  const otherRegion = await raw(proxy, {
    ...health,
    headers: await signedHeaders(proxy, health, { region: REGIONS.secondary }),
  });
  expect(otherRegion.status).toBe(403);
  expect(JSON.parse(otherRegion.body).message).toMatch(/scoped to a valid region/);

  const otherService = await raw(proxy, {
    ...health,
    headers: await signedHeaders(proxy, health, { service: 'aoss' }),
  });
  expect(otherService.status).toBe(403);
  expect(JSON.parse(otherService.body).message).toMatch(/scoped to correct service: 'es'/);

  // Signed for one body, sent with another: the signature covers the body's hash, whether the
  // request names that hash (x-amz-content-sha256, as the OpenSearch client's signer does) or not.
  const put = { method: 'PUT', path: '/tampered', body: JSON.stringify({ settings: { number_of_shards: 1 } }) };
  const swapped = JSON.stringify({ settings: { number_of_shards: 2 } });
  const namedHash = await raw(proxy, { ...put, headers: await signedHeaders(proxy, put), body: swapped });
  expect(namedHash.status).toBe(400);
  expect(JSON.parse(namedHash.body).message).toMatch(/x-amz-content-sha256' header does not match/);
  const unnamedHash = await raw(proxy, {
    ...put,
    headers: await signedHeaders(proxy, put, { withoutContentHash: true }),
    body: swapped,
  });
  expect(unnamedHash.status).toBe(403);
  expect(JSON.parse(unnamedHash.body).message).toMatch(/^The request signature we calculated does not match/);
  // ... while the same kind of request, unaltered, passes.
  const intact = { ...put, path: '/intact' };
  const untouched = await raw(proxy, {
    ...intact,
    headers: await signedHeaders(proxy, intact, { withoutContentHash: true }),
  });
  expect(untouched.status).toBe(200);

  // The same request correctly signed reaches OpenSearch: the refusals above are the signature's doing.
  const signed = await raw(proxy, { ...health, headers: await signedHeaders(proxy, health) });
  expect(signed.status).toBe(200);
  expect(JSON.parse(signed.body).cluster_name).toBe('opencti-primary');
  expect(proxy.verdicts.slice(before).map((v) => v.verdict === 'passed')).toEqual([
    false,
    false,
    false,
    false,
    false,
    false,
    false,
    true,
    true,
  ]);
  // Nothing of the refused PUT reached OpenSearch.
  expect(
    (
      await raw(proxy, {
        method: 'HEAD',
        path: '/tampered',
        headers: await signedHeaders(proxy, { method: 'HEAD', path: '/tampered' }),
      })
    ).status,
  ).toBe(404);
});

test('curl: an unsigned request is refused, one curl signs itself (--aws-sigv4, a third signer) passes', async () => {
  const curl = async (...extra: string[]) => {
    const { stdout } = await run(
      'curl',
      [
        '-sS',
        '--max-time',
        '10',
        '--cacert',
        certs.caFile,
        '-w',
        ' %{http_code}',
        ...extra,
        `${proxies.primary.url}/_cluster/health`,
      ],
      { timeout: 20_000 },
    );
    return stdout;
  };
  expect(await curl()).toBe('{"message":"Missing Authentication Token"} 403');
  expect(
    await curl('--aws-sigv4', 'aws:amz:eu-west-1:es', '--user', `${KEY.accessKeyId}:${KEY.secretAccessKey}`),
  ).toMatch(/"cluster_name":"opencti-primary".* 200$/);
  expect(await curl('--aws-sigv4', 'aws:amz:eu-west-1:es', '--user', `${KEY.accessKeyId}:wrong`)).toMatch(
    /^\{"message":"The request signature we calculated does not match.* 403$/,
  );
});

test("a drill's health check through the proxy passes with the worker's credentials from its environment, and fails closed with wrong ones", async () => {
  workerCredentials(KEY.secretAccessKey);
  const acts = createOpensearchSitesActivities();
  const ok = await call(acts, 'opensearchClusterHealth', 'a1', args(), 'secondary');
  expect(ok.summary).toMatch(/search on dc2: cluster opencti-secondary (green|yellow), 1 node\(s\)/);
  const signedBy = proxies.secondary.verdicts.at(-1);
  expect(signedBy).toMatchObject({ verdict: 'passed', accessKeyId: KEY.accessKeyId });
  expect(signedBy?.path).toMatch(/^\/_cluster\/health\?/);

  // A worker whose environment holds a wrong secret: its own chain, so nothing is cached from above.
  workerCredentials('a-wrong-secret');
  const wrong = await expectFailure(
    call(createOpensearchSitesActivities(), 'opensearchClusterHealth', 'a1', args(), 'secondary'),
    'SearchUnavailable',
  );
  expect(wrong.message).toMatch(
    new RegExp(`^search on dc2 \\(${proxies.secondary.url}\\): 403 The request signature we calculated does not match`),
  );
  workerCredentials(KEY.secretAccessKey);
});

test('the S3 repository is registered signed, with its role ARN (writable where it snapshots, read-only where it restores); snapshot, restore and canary run signed across the regions', async () => {
  workerCredentials(KEY.secretAccessKey);
  const acts = createOpensearchSitesActivities();
  const marks = { primary: proxies.primary.verdicts.length, secondary: proxies.secondary.verdicts.length };

  const preflight = await call(acts, 'opensearchSitesPreflight', 'a2', args());
  expect(preflight.summary).toMatch(
    /repository aws-dr on dc1 \(s3, writable here \(registered now\)\) and dc2 \(s3, read-only here \(registered now\)\); took a baseline snapshot/,
  );
  const registered = (site: SiteRole) => proxies[site].registrations.find((r) => r.repository === 'aws-dr');
  for (const [site, readonly] of [
    ['primary', false],
    ['secondary', true],
  ] as const) {
    expect(registered(site)).toMatchObject({
      accessKeyId: KEY.accessKeyId,
      body: {
        type: 's3',
        settings: {
          bucket: 'opencti-search-snapshots',
          region: 'eu-west-1',
          role_arn: ROLE,
          base_path: 'opencti',
          readonly,
        },
      },
    });
    // The body's hash is among what was signed: the role ARN cannot be swapped after signing.
    expect(registered(site)?.signedHeaders).toEqual(
      expect.arrayContaining(['host', 'x-amz-date', 'x-amz-content-sha256']),
    );
  }
  // A second preflight finds both registered as the plan says and leaves them.
  expect((await call(acts, 'opensearchSitesPreflight', 'a2', args())).summary).toMatch(
    /dc1 \(s3, writable here\) and dc2 \(s3, read-only here\); newest snapshot drill-a2-failover-baseline/,
  );

  expect((await call(acts, 'opensearchSiteSnapshot', 'a2', args(), 'primary')).summary).toMatch(
    /search on dc1: final snapshot drill-a2-failover \(2 indices, 21 documents, canary included\) in aws-dr/,
  );
  expect((await call(acts, 'opensearchRestore', 'a2', args(), 'secondary')).summary).toMatch(
    /search on dc2: restored drill-a2-failover \(2 indices, 21 documents, counts as snapshotted\)/,
  );
  const verify = await call(acts, 'opensearchRestoreVerify', 'a2', args(), 'secondary');
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true, dataLossMs: 0 });

  // Every request the drill made went through a proxy signed with the worker's key, and none was refused.
  for (const site of ['primary', 'secondary'] as const) {
    const made = proxies[site].verdicts.slice(marks[site]);
    expect(made.length).toBeGreaterThan(3);
    expect(made.filter((v) => v.verdict !== 'passed' || v.accessKeyId !== KEY.accessKeyId)).toEqual([]);
  }
});

test("without the lab's S3 stand-in, OpenSearch's own refusal of the s3 repository fails the preflight", async () => {
  workerCredentials(KEY.secretAccessKey);
  const a = args();
  const plain = { ...a, sites: { ...a.sites, primary: { ...a.sites.primary, url: plainProxy.url } } };
  const refused = await expectFailure(
    call(createOpensearchSitesActivities(), 'opensearchSitesPreflight', 'a3', {
      ...plain,
      snapshot: { ...plain.snapshot, repository: 'unpluggable' },
    }),
    'SearchUnavailable',
  );
  expect(refused.message).toMatch(
    /^search on dc1 \(https:\/\/127\.0\.0\.1:\d+\): \d{3} repository_exception: .*\[s3\]/,
  );
  // It was signed and passed the proxy: the refusal is OpenSearch's, not the signature's.
  expect(plainProxy.verdicts.filter((v) => v.method !== 'GET').at(-1)).toMatchObject({
    verdict: 'passed',
    path: '/_snapshot/unpluggable',
  });
});
