/**
 * The MISP personality: `Authorization: <key>` REST with JSON (`Accept` or a `.json` suffix).
 * `/servers/getVersion`, `/attributes/restSearch` (json with X-Result-Count, or csv; `limit`
 * honoured) from the site's database, and `/servers/getWorkers` whose scheduler worker lives only
 * where this server runs jobs. A wrong key gets MISP's 403 JSON. Self-contained, so the MISP lab
 * can serve it as its nodes' API.
 */
import { header, type ApiContext, type ApiHandler, type ApiReply, type ApiRequest } from './personality';
import type { Indicator } from '../tipStore';

const CSV_HEADER = 'uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category';
const QUEUES = ['default', 'prio', 'email', 'cache', 'update'];

const uuidOf = (i: Indicator) => `00000000-0000-4000-8000-${String(i.id).padStart(12, '0')}`;
const typeOf = (i: Indicator) => (i.type === 'host' ? 'domain' : i.type);

async function restSearch(context: ApiContext, request: ApiRequest): Promise<ApiReply> {
  let body: { returnFormat?: string; limit?: number; page?: number };
  try {
    body = request.body ? (JSON.parse(request.body) as typeof body) : {};
  } catch {
    return { status: 400, body: { name: 'Invalid JSON', message: 'The request body is not JSON', url: request.url.pathname } };
  }
  const limit = Math.max(1, Number(body.limit ?? 1000));
  const page = await context.data.indicators((Math.max(1, Number(body.page ?? 1)) - 1) * limit, limit);
  const headers = { 'x-result-count': String(await context.data.indicatorCount()) };
  if (body.returnFormat === 'csv') {
    const rows = page.map((i) => [uuidOf(i), '1', 'Network activity', typeOf(i), i.value, '', '1', i.createdAt.slice(0, 10).replace(/-/g, ''), '', '', '', '', ''].map((v) => `"${v}"`).join(','));
    return { status: 200, type: 'text/csv', headers, body: [CSV_HEADER, ...rows].join('\n') + '\n' };
  }
  const Attribute = page.map((i) => ({ id: String(i.id), event_id: '1', category: 'Network activity', type: typeOf(i), value: i.value, to_ids: true, uuid: uuidOf(i), timestamp: String(Math.floor(Date.parse(i.createdAt) / 1000)) }));
  return { status: 200, headers, body: { response: { Attribute } } };
}

function workers(context: ApiContext): ApiReply {
  const worker = (pid: number) => [{ pid, user: 'www-data', alive: true, correct_user: true, ok: true }];
  const body: Record<string, unknown> = Object.fromEntries(QUEUES.map((queue, index) => [queue, { ok: true, jobCount: 0, workers: worker(process.pid * 10 + index) }]));
  body.scheduler = context.monitorsEnabled ? { ok: true, jobCount: 0, workers: worker(process.pid * 10 + 9) } : { ok: false, jobCount: 0, workers: [] };
  return { status: 200, body: { ...body, proc_accessible: true, controls: true } };
}

export function mispApi(context: ApiContext): ApiHandler {
  const routes: Record<string, (request: ApiRequest) => Promise<ApiReply> | ApiReply> = {
    'GET /servers/getVersion': () => ({ status: 200, body: { version: '2.5.2-standin', pymisp_recommended_version: '2.5.2', perm_sync: true, perm_sighting: true, perm_galaxy_editor: true, request_encoding: ['gzip'], filter_sightings: true } }),
    'POST /attributes/restSearch': (request) => restSearch(context, request),
    'GET /servers/getWorkers': () => workers(context),
  };
  return async (request) => {
    const route = routes[`${request.method} ${request.url.pathname.replace(/\.json$/, '')}`];
    if (!route) return undefined;
    if (header(request, 'authorization') !== context.credentials.secret) {
      return { status: 403, body: { name: 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.', message: 'Authentication failed.', url: request.url.pathname } };
    }
    return route(request);
  };
}
