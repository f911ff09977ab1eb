/**
 * A small stand-in for a site's TIP application server, enough for a drill to check what the DR
 * guide checks: system health, indicators present, indicators downloadable, and scheduled jobs
 * running on exactly one server (only where monitorsEnabled is on, as ThreatConnect requires).
 *
 *   node dist/lab/standinApp.js --site primary --port 18081 \
 *     [--db 127.0.0.1:3316 --db-password-file data/lab/secrets/mysql-app.password] [--monitors on|off]
 *     [--webroot DIR] [--personality threatconnect|opencti|misp --secret-file F [--access-id ID] [--health-key-file F]
 *      [--version RELEASE] [--key-role site-admin|user]]
 *
 * GET /health, GET /api/indicators, GET /api/indicators/download (CSV), POST /api/indicators
 * ({"value","type"}), GET /api/jobs; and with a personality, that TIP's API over the same data with
 * its authentication enforced (lab/tip/): the drill's TIP profile checks run against it.
 * --version answers as that release does (lab/tip/versions.ts; its default is what the lab
 * plans need); --key-role user makes the MISP key a user's, not a site admin's.
 * The secret file is created (random) when missing, as an admin creates the drill's API user.
 * With --webroot, any other GET is a file under DIR (404 when absent): a MISP node's web root on
 * shared storage, where a load balancer's health file lives.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import {
  labSecret,
  LOGIN_PAGE,
  tipStoreData,
  PERSONALITIES,
  type ApiCredentials,
  type ApiHandler,
  type ApiReply,
  type PersonalityName,
} from './tip';
import path from 'node:path';
import { checkStandinAppFlags, STANDIN_APP_OPTIONS, type StandinAppFlags } from './standinArgs';
import { memoryStore, mysqlStore, type TipStore } from './tipStore';
import { exitOnFailure, parseCommandLine, portOption } from '../src/commandLine';

export interface StandinOptions {
  site: string;
  port: number;
  store: TipStore;
  monitorsEnabled: boolean;
  jobEveryMs?: number;
  /** Answer as this TIP's API too, accepting these credentials. */
  api?: {
    personality: PersonalityName;
    credentials: ApiCredentials;
    version?: string;
    release?: string;
    instanceUuid?: string;
  };
  /** Seed one indicator on a fresh writable database (default true). */
  seed?: boolean;
  /** Answer every API call with a sign-in page, as an SSO proxy in front of the API would. */
  loginPage?: boolean;
  /** Serves other GETs as static files from here, as a web server's document root does. */
  webroot?: string;
}

const SEED = { value: 'evil.example.com', type: 'host' };

function send(response: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function readJson(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** A file under the web root; never outside it (`..` is resolved first). Read at each request: a file moved aside is gone at once. */
function serveFile(webroot: string, url: string, response: http.ServerResponse): void {
  const root = path.resolve(webroot);
  let file = '';
  try {
    file = path.resolve(root, `.${path.posix.normalize(decodeURIComponent(url))}`);
  } catch {
    // A malformed escape names no file.
  }
  if (!file.startsWith(`${root}${path.sep}`)) return send(response, 404, { error: 'not found' });
  readFile(file).then(
    (body) => send(response, 200, body.toString('utf8'), 'text/html'),
    () => send(response, 404, { error: 'not found' }),
  );
}

export async function startStandin(options: StandinOptions): Promise<http.Server> {
  const { site, store } = options;
  const startedAt = new Date().toISOString();
  const jobs = { runs: 0, lastRunAt: undefined as string | undefined, lastError: undefined as string | undefined };

  // A fresh lab has no indicators; the writable site seeds one so "indicators present" can be checked.
  const initial = await store.state();
  if (options.seed !== false && initial.writable && (await store.indicators().catch(() => [])).length === 0)
    await store.addIndicator(SEED.value, SEED.type, site).catch(() => undefined);

  const timer = setInterval(() => {
    if (!options.monitorsEnabled) return;
    store.recordJobRun(site).then(
      () => {
        jobs.runs += 1;
        jobs.lastRunAt = new Date().toISOString();
        jobs.lastError = undefined;
      },
      (error: Error) => (jobs.lastError = error.message),
    );
  }, options.jobEveryMs ?? 1000);

  const routes: Record<string, (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>> = {
    'GET /health': async (_request, response) => {
      const db = await store.state();
      send(response, db.reachable ? 200 : 503, {
        status: db.reachable ? 'ok' : 'degraded',
        site,
        startedAt,
        pid: process.pid,
        db,
        monitorsEnabled: options.monitorsEnabled,
      });
    },
    'GET /api/indicators': async (_request, response) => {
      const indicators = await store.indicators();
      send(response, 200, { count: indicators.length, indicators });
    },
    'GET /api/indicators/download': async (_request, response) => {
      const rows = (await store.indicators()).map((i) => `${i.id},${i.type},${i.value},${i.site},${i.createdAt}`);
      send(response, 200, ['id,type,value,site,created_at', ...rows].join('\n') + '\n', 'text/csv');
    },
    'POST /api/indicators': async (request, response) => {
      const body = await readJson(request);
      if (typeof body.value !== 'string' || typeof body.type !== 'string')
        return send(response, 400, { error: 'value and type are required strings' });
      const id = await store.addIndicator(body.value, body.type, site);
      // The site that stored it: a client behind a load balancer learns where its write went.
      send(response, 201, { added: body.value, id, site });
    },
    'GET /api/jobs': async (_request, response) => {
      const recent = await store.recentJobServers(3);
      // Exactly one server runs jobs when the last runs all come from one server.
      send(response, 200, {
        server: site,
        monitorsEnabled: options.monitorsEnabled,
        ...jobs,
        recentServers: [...new Set(recent)],
      });
    },
  };

  const api: ApiHandler | undefined = options.api
    ? PERSONALITIES[options.api.personality]({
        site,
        data: tipStoreData(store, site),
        release: options.api.release,
        instanceUuid: options.api.instanceUuid,
        monitorsEnabled: options.monitorsEnabled,
        startedAt: new Date(startedAt),
        lastJobRunAt: () => (jobs.lastRunAt ? new Date(jobs.lastRunAt) : undefined),
        credentials: options.api.credentials,
        version: options.api.version,
      })
    : undefined;

  const lab = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    const url = request.url?.split('?')[0] ?? '/';
    const route = routes[`${request.method} ${url}`];
    if (!route && request.method === 'GET' && options.webroot) return serveFile(options.webroot, url, response);
    if (!route) return send(response, 404, { error: 'not found' });
    route(request, response).catch((error: Error) => send(response, 503, { error: error.message }));
  };

  // The personality answers first; what it does not know (the lab's own /health, /api/jobs) is the lab's.
  const server = http.createServer((request, response) => {
    if (!api) return lab(request, response);
    answerApi(api, request, options.loginPage === true).then(
      (reply) => (reply ? sendReply(response, reply) : lab(request, response)),
      (error: Error) => send(response, 503, { error: error.message }),
    );
  });
  server.on('close', () => clearInterval(timer));
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  return server;
}

/** The lab's own routes stay reachable past a sign-in page: appctl and people ask them. */
const LAB_PATHS = new Set(['/health', '/api/indicators', '/api/indicators/download', '/api/jobs']);

async function answerApi(
  api: ApiHandler,
  request: http.IncomingMessage,
  loginPage: boolean,
): Promise<ApiReply | undefined> {
  // Adding an indicator is the lab's: its body must stay unread for it.
  if (request.method === 'POST' && request.url === '/api/indicators') return undefined;
  let body = '';
  for await (const chunk of request) body += chunk;
  if (loginPage && !LAB_PATHS.has(request.url ?? '')) return LOGIN_PAGE;
  const rawPath = request.url ?? '/';
  return api({
    method: request.method ?? 'GET',
    url: new URL(rawPath, 'http://standin'),
    rawPath,
    headers: request.headers,
    body,
  });
}

function sendReply(response: http.ServerResponse, reply: ApiReply): void {
  response.writeHead(reply.status, {
    'content-type': reply.type ?? 'application/json',
    'cache-control': 'no-store',
    ...reply.headers,
  });
  response.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
}

const PROGRAM = 'stand-in app';
const USAGE =
  'standinApp --site S --port N [--db HOST:PORT --db-password-file F] [--monitors on|off] [--webroot DIR] [--personality threatconnect|opencti|misp --secret-file F ...]';

/** The API personality the flags ask for, its secret file created when missing (labSecret). */
function apiOption(
  flags: StandinAppFlags,
  personality: { name: PersonalityName; secretFile: string } | undefined,
  siteAdmin: boolean,
): StandinOptions['api'] {
  if (personality === undefined) return undefined;
  const healthKey = flags['health-key-file'];
  return {
    personality: personality.name,
    version: flags.version,
    release: flags.release,
    instanceUuid: flags['instance-uuid'],
    credentials: {
      accessId: flags['access-id'],
      secret: labSecret(personality.secretFile),
      healthKey: healthKey ? labSecret(healthKey) : undefined,
      siteAdmin,
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseCommandLine({
    program: PROGRAM,
    usage: USAGE,
    options: { site: { type: 'string' }, port: { type: 'string' }, ...STANDIN_APP_OPTIONS },
  });
  const flags: StandinAppFlags = values;
  const site = values.site ?? 'primary';
  const port = portOption(PROGRAM, values.port, 'port', 18081);
  const { monitorsEnabled, personality, siteAdmin } = checkStandinAppFlags(PROGRAM, flags);
  const api = apiOption(flags, personality, siteAdmin);
  const db = flags.db;
  const store = db
    ? await mysqlStore({
        host: db.split(':')[0],
        port: Number(db.split(':')[1] ?? 3306),
        user: flags['db-user'] ?? 'app',
        passwordFile: flags['db-password-file'] ?? 'data/lab/secrets/mysql-app.password',
        database: flags['db-name'] ?? 'tip',
      })
    : memoryStore();
  const server = await startStandin({ site, port, store, monitorsEnabled, webroot: flags.webroot, api });
  // Health checkers keep connections alive; drop them so a stop takes milliseconds, not seconds.
  const stop = () => {
    server.close(() => void store.close().finally(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) void main().catch(exitOnFailure('stand-in app failed to start'));
