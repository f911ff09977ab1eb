/**
 * The stand-in OpenCTI platform of one lab site: what the site's pods would do if KWOK ran real
 * containers. It reads its site's Deployments every half second and
 *   - serves HTTP only while opencti-platform has ready replicas (no ready pod, no listener: the
 *     site stops answering, as a Service without endpoints does),
 *   - runs one consumer per ready opencti-worker pod (while opencti-worker-platform is ready) and a
 *     publishing connector while opencti-connector-import is ready (pipeline.ts),
 * keeping its data in its site's OpenSearch and Redis and consuming from its site's RabbitMQ.
 * It is not OpenCTI. With --api-token-file it also answers the TIP profile's GraphQL checks through
 * the stand-in's OpenCTI personality (lab/tip/opencti.ts) over this site's OpenSearch, its
 * connector heartbeating while the connector runs.
 *
 *   node dist/lab/opencti/site.js --site primary --port 7090 --kubeconfig K --namespace opencti \
 *     --redis 127.0.0.1:7379 --redis-password-file F --amqp 127.0.0.1:7672 --amqp-password-file F \
 *     --opensearch http://127.0.0.1:7250 --health-key-file F [--api-token-file F [--version RELEASE]]
 *
 * GET /health?health_access_key=KEY  200 {status:"ok"} when its Redis takes writes and its OpenSearch
 *                                   answers (OpenCTI's health endpoint); 503 with the reason; 401 bad key
 * POST /graphql                      about, indicators (globalCount, a page), connectors; bearer token
 * GET /lab/state                     the site's pods, pipeline counters and indicator count (for people)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import { Client as SearchClient } from '@opensearch-project/opensearch';
import { createClient } from 'redis';
import { INDICATOR_INDEX, Pipeline, type RedisLike } from './pipeline';
import { exitOnFailure, parseCommandLine, portOption, required } from '../../src/commandLine';
import { labSecret, openctiApi, withRecovery, type ApiContext, type ApiData, type ApiHandler } from '../tip';

const DEPLOYMENTS = [
  'opencti-worker-platform',
  'opencti-worker',
  'opencti-platform',
  'opencti-connector-import',
] as const;
type Ready = Record<(typeof DEPLOYMENTS)[number], number>;

const PROGRAM = 'opencti site';
const USAGE =
  'site --site S --port N --kubeconfig K [--namespace NS] --redis HOST:PORT --redis-password-file F --amqp HOST:PORT --amqp-password-file F --opensearch URL --health-key-file F [--api-token-file F [--version RELEASE]]';
const text = { type: 'string' } as const;
const OPTIONS = {
  site: text,
  port: text,
  kubeconfig: text,
  namespace: text,
  redis: text,
  'redis-password-file': text,
  amqp: text,
  'amqp-password-file': text,
  opensearch: text,
  'health-key-file': text,
  'api-token-file': text,
  version: text,
};
const OPTIONAL = new Set(['namespace', 'api-token-file', 'version']);

/** This stand-in's flags, every required one checked before it reads a file or opens a connection. */
function commandLine() {
  const { values } = parseCommandLine({ program: PROGRAM, usage: USAGE, options: OPTIONS });
  for (const name of Object.keys(OPTIONS)) if (!OPTIONAL.has(name)) required(PROGRAM, values, name);
  const option = (name: keyof typeof OPTIONS): string => required(PROGRAM, values, name);
  return { option, values, port: portOption(PROGRAM, option('port'), 'port', 0) };
}

const secretFile = (file: string) => readFileSync(file, 'utf8').trim();
const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

async function main(): Promise<void> {
  const { option, values, port } = commandLine();
  const site = option('site');
  const namespace = values.namespace ?? 'opencti';
  // A file, as the platform's own APP__HEALTH_ACCESS_KEY is a secret: not on a command line anyone can list.
  const healthKey = secretFile(option('health-key-file'));
  const [redisHost, redisPort] = option('redis').split(':');
  const redisPassword = secretFile(option('redis-password-file'));
  const amqpUrl = `amqp://opencti:${encodeURIComponent(secretFile(option('amqp-password-file')))}@${option('amqp')}`;
  const search = new SearchClient({ node: option('opensearch'), maxRetries: 0, requestTimeout: 5000 });
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(option('kubeconfig'));
  const apps = kc.makeApiClient(k8s.AppsV1Api);

  let redis: (RedisLike & { destroy(): void }) | undefined;
  const redisClient = async (): Promise<RedisLike | undefined> => {
    if (redis) return redis;
    const client = createClient({
      socket: { host: redisHost, port: Number(redisPort), connectTimeout: 2000, reconnectStrategy: false },
      password: redisPassword,
      disableOfflineQueue: true,
    });
    client.on('error', () => undefined);
    client.on('end', () => (redis = undefined));
    try {
      await client.connect();
      redis = client;
      return client;
    } catch {
      return undefined;
    }
  };

  const pipeline = new Pipeline({ site, amqpUrl, search, redis: redisClient, log });
  const ready: Ready = {
    'opencti-worker-platform': 0,
    'opencti-worker': 0,
    'opencti-platform': 0,
    'opencti-connector-import': 0,
  };
  const sockets = new Set<Socket>();
  const server = http.createServer((request, response) => void handle(request, response));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let listening = false;

  async function health(): Promise<{ ok: boolean; reason?: string; redis?: string; search?: string }> {
    const r = await redisClient();
    if (!r) return { ok: false, reason: 'Redis does not answer' };
    try {
      await r.sendCommand(['SET', 'opencti:platform:health', new Date().toISOString(), 'PX', '10000']);
    } catch (error) {
      // A replica (READONLY) or a fenced master (NOREPLICAS): the platform cannot work on this site.
      return { ok: false, reason: `Redis refuses writes: ${(error as Error).message}` };
    }
    try {
      const h = (await search.cluster.health({ timeout: '2s' })).body as { status: string };
      if (h.status === 'red') return { ok: false, reason: 'OpenSearch cluster is red' };
      return { ok: true, redis: 'writable', search: h.status };
    } catch (error) {
      return { ok: false, reason: `OpenSearch does not answer: ${(error as Error).message}` };
    }
  }

  async function indicators(): Promise<number | null> {
    try {
      return Number(
        ((await search.count({ index: INDICATOR_INDEX }, { ignore: [404] })).body as { count?: number }).count ?? 0,
      );
    } catch {
      return null;
    }
  }

  // The connector's ping: each tick it runs (OpenCTI's updated_at moves on each connector ping).
  let connectorPing: Date | undefined;
  const data: ApiData = {
    state: async () => {
      const h = await health();
      return { reachable: h.ok, error: h.reason };
    },
    indicatorCount: async () => (await indicators()) ?? Promise.reject(new Error('OpenSearch does not answer')),
    indicators: async (start, limit) => {
      const found = (
        await search.search(
          { index: INDICATOR_INDEX, body: { from: start, size: limit, query: { match_all: {} } } },
          { ignore: [404] },
        )
      ).body as { hits?: { hits?: { _source: { id: string; value: string; createdAt: string } }[] } };
      return (found.hits?.hits ?? []).map((hit, index) => ({
        id: start + index + 1,
        value: hit._source.value,
        type: 'ipv4-addr',
        site,
        createdAt: hit._source.createdAt,
      }));
    },
    recentJobRuns: async () => [],
    // The drill's test indicator goes where the platform keeps its knowledge: this site's OpenSearch,
    // so the final snapshot carries it to the other site as it carries everything else.
    testIndicators: {
      add: async (value, type, label) => {
        const doc = { id: `drill-test-${randomUUID()}`, value, type, label, createdAt: new Date().toISOString() };
        await search.index({ index: INDICATOR_INDEX, id: doc.id, body: doc, refresh: 'wait_for' });
        return doc;
      },
      list: async () => {
        const found = (
          await search.search(
            { index: INDICATOR_INDEX, body: { size: 100, query: { exists: { field: 'label' } } } },
            { ignore: [404] },
          )
        ).body as {
          hits?: {
            hits?: { _source: { id: string; value: string; type?: string; label: string; createdAt: string } }[];
          };
        };
        return (found.hits?.hits ?? []).map((hit) => ({ ...hit._source, type: hit._source.type ?? 'ipv4-addr' }));
      },
      remove: async (id) =>
        (await search.delete({ index: INDICATOR_INDEX, id, refresh: 'wait_for' }, { ignore: [404] })).statusCode ===
        200,
    },
  };
  const tokenFile = values['api-token-file'];
  const graphql: ApiHandler | undefined = tokenFile
    ? ((context: ApiContext) => withRecovery('opencti', context, openctiApi(context)))({
        site,
        data,
        monitorsEnabled: true,
        startedAt: new Date(),
        lastJobRunAt: () => connectorPing,
        credentials: { secret: labSecret(tokenFile), healthKey },
        version: values.version,
      })
    : undefined;

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && url.pathname === '/health') {
      if (url.searchParams.get('health_access_key') !== healthKey)
        return send(401, { status: 'error', reason: 'wrong or missing health_access_key' });
      const h = await health();
      return send(h.ok ? 200 : 503, { status: h.ok ? 'ok' : 'error', site, ...h });
    }
    // GraphQL, and the TAXII 2.1 collections consumers read (the API answers both: tip/recovery.ts).
    if (
      ((request.method === 'POST' && url.pathname === '/graphql') ||
        (request.method === 'GET' && url.pathname.startsWith('/taxii2/'))) &&
      graphql
    ) {
      let body = '';
      for await (const chunk of request) body += chunk;
      const reply = await graphql({
        method: request.method ?? 'GET',
        url,
        rawPath: request.url ?? '/',
        headers: request.headers,
        body,
      }).catch((error: Error) => ({ status: 503, body: { errors: [{ message: error.message }] } }));
      return send(reply?.status ?? 404, reply?.body ?? { error: 'not found' });
    }
    if (request.method === 'GET' && url.pathname === '/lab/state') {
      return send(200, { site, pid: process.pid, ready, pipeline: pipeline.counts, indicators: await indicators() });
    }
    send(404, { error: 'not found' });
  }

  async function serve(on: boolean): Promise<void> {
    if (on && !listening) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      listening = true;
      log(`platform ${site}: serving on 127.0.0.1:${port} (${ready['opencti-platform']} ready platform pod(s))`);
    } else if (!on && listening) {
      listening = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      log(`platform ${site}: stopped answering (no ready opencti-platform pod)`);
    }
  }

  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      try {
        const list = await apps.listNamespacedDeployment({ namespace });
        for (const name of DEPLOYMENTS)
          ready[name] = list.items.find((d) => d.metadata?.name === name)?.status?.readyReplicas ?? 0;
      } catch {
        // The control plane is down: pods keep running as they were, so the last known state stands.
      }
      await serve(ready['opencti-platform'] > 0);
      if (pipeline.counts.connector) connectorPing = new Date();
      const consumers = ready['opencti-worker-platform'] > 0 ? ready['opencti-worker'] : 0;
      await pipeline
        .reconcile({ consumers, connector: ready['opencti-connector-import'] > 0 })
        .catch((error: Error) => log(`pipeline: ${error.message}`));
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), 500);
  await tick();
  log(`site ${site}: watching namespace ${namespace}; pods ${JSON.stringify(ready)}`);

  const shutdown = async () => {
    clearInterval(timer);
    await serve(false).catch(() => undefined);
    await pipeline.stop().catch(() => undefined);
    redis?.destroy();
    await search.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

void main().catch(exitOnFailure('opencti site'));
