/**
 * The OpenCTI personality: `GET /health?health_access_key=…` and GraphQL at `POST /graphql` with a
 * bearer token. It answers the root fields the drill asks for (about, indicators, connectors) from
 * the site's database; a wrong token gets OpenCTI's AUTH_REQUIRED error with HTTP 200, as OpenCTI
 * answers. Its one connector pings with each job run, so it goes stale where jobs do not run.
 */
import { header, type ApiContext, type ApiHandler, type ApiReply, type ApiRequest } from './personality';

/** OpenCTI computes `active` as a ping within the last 5 minutes (connector.ts completeConnector). */
const ACTIVE_MS = 5 * 60_000;

const graphqlError = (message: string, code: string): ApiReply => ({ status: 200, body: { errors: [{ message, extensions: { code } }], data: null } });

async function query(context: ApiContext, text: string): Promise<ApiReply> {
  const data: Record<string, unknown> = {};
  if (/\babout\b/.test(text)) data.about = { version: '6.4.0-standin' };
  if (/\bindicators\s*\(/.test(text)) {
    const first = Number(/first:\s*(\d+)/.exec(text)?.[1] ?? 25);
    data.indicators = {
      pageInfo: { globalCount: await context.data.indicatorCount() },
      edges: (await context.data.indicators(0, first)).map((i) => ({ node: { id: `indicator--${i.id}`, pattern: `[domain-name:value = '${i.value}']` } })),
    };
  }
  if (/\bconnectors\b/.test(text)) {
    // Where jobs do not run, the connector has not pinged this platform: its last ping is older than
    // the platform (as in a site restored from the other's data), so it is neither active nor recent.
    const ping = context.lastJobRunAt() ?? (context.monitorsEnabled ? context.startedAt : undefined);
    data.connectors = [
      { id: 'connector-import-file-stix', name: 'ImportFileStix', connector_type: 'INTERNAL_IMPORT_FILE', active: ping !== undefined && Date.now() - ping.getTime() < ACTIVE_MS, auto: true, updated_at: (ping ?? new Date(context.startedAt.getTime() - ACTIVE_MS)).toISOString(), connector_state: null, built_in: false },
    ];
  }
  if (Object.keys(data).length === 0) return graphqlError('Cannot query the fields asked for on the stand-in', 'GRAPHQL_VALIDATION_FAILED');
  return { status: 200, body: { data } };
}

export function openctiApi(context: ApiContext): ApiHandler {
  return async (request: ApiRequest) => {
    // Without a key the lab's own /health answers (appctl and people read it).
    if (request.method === 'GET' && request.url.pathname === '/health' && request.url.searchParams.has('health_access_key')) {
      if (!context.credentials.healthKey || request.url.searchParams.get('health_access_key') !== context.credentials.healthKey) return { status: 401, body: { status: 'unauthorized' } };
      const db = await context.data.state();
      return db.reachable ? { status: 200, body: { status: 'success' } } : { status: 503, body: { status: 'error', error: db.error ?? 'database unreachable' } };
    }
    if (request.method !== 'POST' || request.url.pathname !== '/graphql') return undefined;
    if (header(request, 'authorization') !== `Bearer ${context.credentials.secret}`) return graphqlError('You must be logged in to do this.', 'AUTH_REQUIRED');
    let body: { query?: unknown };
    try {
      body = JSON.parse(request.body) as { query?: unknown };
    } catch {
      return { status: 400, body: { errors: [{ message: 'POST body is not JSON', extensions: { code: 'BAD_REQUEST' } }] } };
    }
    return typeof body.query === 'string' ? query(context, body.query) : graphqlError('Must provide query string.', 'BAD_REQUEST');
  };
}
