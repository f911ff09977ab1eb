/**
 * The MISP personality: `Authorization: <key>` REST with JSON (`Accept` or a `.json` suffix).
 * `/servers/getVersion`, `/attributes/restSearch` (json with X-Result-Count, or csv; `limit`
 * honoured) from the site's database, and `/servers/getWorkers` whose scheduler worker lives only
 * where this server runs jobs. A wrong key gets MISP's 403 JSON. Self-contained, so the MISP lab
 * can serve it as its nodes' API. What changes between releases (the count header, the background
 * job backend, /proc) is asked of its release (versions.ts); the ACL is MISP's on every release.
 */
import { header, type ApiContext, type ApiHandler, type ApiReply, type ApiRequest } from './personality';
import { releaseOf, type MispRelease } from './versions';
import type { Indicator } from '../tipStore';

const CSV_HEADER =
  'uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category';
const QUEUES = ['default', 'prio', 'email', 'cache', 'update'];

/**
 * X-Result-Count of a restSearch page as the release computes it (MISP/MISP app/Model/Attribute.php):
 * up to 2.4.150 the rows sent; 2.4.151-2.4.165 `find('count')`, the real total; from 2.4.166
 * (commit 66c627ce4) `limit * (page - 1) + rows`, plus 1 when the page is full.
 */
export function resultCount(release: MispRelease, total: number, rows: number, limit: number, page: number): number {
  if (release.resultCount === 'rows') return rows;
  if (release.resultCount === 'total') return total;
  return limit * (page - 1) + rows + (rows >= limit ? 1 : 0);
}

const uuidOf = (i: Indicator) => `00000000-0000-4000-8000-${String(i.id).padStart(12, '0')}`;
const typeOf = (i: Indicator) => (i.type === 'host' ? 'domain' : i.type);

async function restSearch(context: ApiContext, release: MispRelease, request: ApiRequest): Promise<ApiReply> {
  let body: { returnFormat?: string; limit?: number; page?: number };
  try {
    body = request.body ? (JSON.parse(request.body) as typeof body) : {};
  } catch {
    return {
      status: 400,
      body: { name: 'Invalid JSON', message: 'The request body is not JSON', url: request.url.pathname },
    };
  }
  const limit = Math.max(1, Number(body.limit ?? 1000));
  const pageNumber = Math.max(1, Number(body.page ?? 1));
  const page = await context.data.indicators((pageNumber - 1) * limit, limit);
  const headers = {
    'x-result-count': String(resultCount(release, await context.data.indicatorCount(), page.length, limit, pageNumber)),
  };
  if (body.returnFormat === 'csv') {
    const rows = page.map((i) =>
      [
        uuidOf(i),
        '1',
        'Network activity',
        typeOf(i),
        i.value,
        '',
        '1',
        i.createdAt.slice(0, 10).replace(/-/g, ''),
        '',
        '',
        '',
        '',
        '',
      ]
        .map((v) => `"${v}"`)
        .join(','),
    );
    return { status: 200, type: 'text/csv', headers, body: [CSV_HEADER, ...rows].join('\n') + '\n' };
  }
  const Attribute = page.map((i) => ({
    id: String(i.id),
    event_id: '1',
    category: 'Network activity',
    type: typeOf(i),
    value: i.value,
    to_ids: true,
    uuid: uuidOf(i),
    timestamp: String(Math.floor(Date.parse(i.createdAt) / 1000)),
  }));
  return { status: 200, headers, body: { response: { Attribute } } };
}

/**
 * GET /servers/getWorkers as ServersController::getWorkers and Server::workerDiagnostics answer:
 * `["Background jobs not enabled"]` with MISP.background_jobs off; CakeResque lists every queue,
 * scheduler included (ok false without workers); SimpleBackgroundJobs unsets `scheduler` and lists
 * only what supervisord's misp-workers group runs, plus `supervisord_status`. Without /proc a
 * worker's alive is 'N/A' and its ok stays true. This node runs the scheduler where it runs jobs.
 */
function workers(context: ApiContext, release: MispRelease): ApiReply {
  if (release.backgroundJobs === 'off') return { status: 200, body: ['Background jobs not enabled'] };
  const worker = (pid: number) => [
    { pid, user: 'www-data', alive: release.procAccessible ? true : 'N/A', correct_user: true, ok: true },
  ];
  const body: Record<string, unknown> = Object.fromEntries(
    QUEUES.map((queue, index) => [queue, { ok: true, jobCount: 0, workers: worker(process.pid * 10 + index) }]),
  );
  const scheduler = { ok: true, workers: worker(process.pid * 10 + 9) };
  if (release.backgroundJobs === 'cakeresque') body.scheduler = context.monitorsEnabled ? scheduler : { ok: false };
  else if (release.schedulerWorker && context.monitorsEnabled) body.scheduler = scheduler;
  if (release.backgroundJobs === 'simple') body.supervisord_status = 0;
  return { status: 200, body: { ...body, proc_accessible: release.procAccessible, controls: true } };
}

/** GET /attributes/attributeStatistics/type: a count per type as a string, over every attribute (AttributesController::attributeStatistics). */
async function attributeStatistics(context: ApiContext): Promise<ApiReply> {
  const counts: Record<string, number> = {};
  for (const i of await context.data.indicators(0, await context.data.indicatorCount()))
    counts[typeOf(i)] = (counts[typeOf(i)] ?? 0) + 1;
  return {
    status: 200,
    body: Object.fromEntries(
      Object.entries(counts)
        .sort()
        .map(([type, n]) => [type, String(n)]),
    ),
  };
}

/** ACLComponent: getWorkers => array() (site admin only); getVersion needs perm_auth; restSearch and attributeStatistics any user. */
const SITE_ADMIN_ONLY = new Set(['GET /servers/getWorkers']);

export function mispApi(context: ApiContext): ApiHandler {
  const release = releaseOf('misp', context.version);
  const routes: Record<string, (request: ApiRequest) => Promise<ApiReply> | ApiReply> = {
    'GET /servers/getVersion': () => ({
      status: 200,
      body: {
        version: release.version,
        pymisp_recommended_version: release.version,
        perm_sync: true,
        perm_sighting: true,
        perm_galaxy_editor: true,
        request_encoding: ['gzip'],
        filter_sightings: true,
      },
    }),
    'POST /attributes/restSearch': (request) => restSearch(context, release, request),
    'GET /attributes/attributeStatistics/type': () => attributeStatistics(context),
    'GET /servers/getWorkers': () => workers(context, release),
  };
  return async (request) => {
    const key = `${request.method} ${request.url.pathname.replace(/\.json$/, '')}`;
    const route = routes[key];
    if (!route) return undefined;
    if (header(request, 'authorization') !== context.credentials.secret) {
      return {
        status: 403,
        body: {
          name: 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.',
          message: 'Authentication failed.',
          url: request.url.pathname,
        },
      };
    }
    if (SITE_ADMIN_ONLY.has(key) && context.credentials.siteAdmin === false) {
      return {
        status: 403,
        body: {
          name: 'You do not have permission to use this functionality.',
          message: 'You do not have permission to use this functionality.',
          url: request.url.pathname,
        },
      };
    }
    return route(request);
  };
}
