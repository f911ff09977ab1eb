/**
 * The ThreatConnect personality: v3 REST under /api/v3 with HMAC (`Authorization: TC
 * <accessId>:<signature>` + `Timestamp`, within 5 minutes of this clock) or `TC-Token <token>`.
 * Indicators and job executions come from the site's database; the playbooks are a fixed set.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { header, type ApiContext, type ApiHandler, type ApiReply, type ApiRequest } from './personality';

const PLAYBOOKS = [
  { id: 1, name: 'Enrich new indicators', type: 'Playbook', active: true, status: 'Active', triggerType: 'Indicator' },
  { id: 2, name: 'Block high-confidence hosts', type: 'Playbook', active: true, status: 'Active', triggerType: 'Timer' },
  { id: 3, name: 'Notify on phishing', type: 'Playbook', active: false, status: 'Inactive', triggerType: 'Mailbox' },
  { id: 4, name: 'Lookup WHOIS', type: 'Component', active: true, status: 'Active', triggerType: 'Component' },
];

const refused = (message: string): ApiReply => ({ status: 401, body: { status: 'Failure', message } });

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Why the request is not signed in, or undefined when it is. */
export function authFailure(context: ApiContext, request: ApiRequest): string | undefined {
  const authorization = header(request, 'authorization') ?? '';
  const { accessId, secret } = context.credentials;
  if (authorization.startsWith('TC-Token ')) return sameText(authorization.slice(9), secret) ? undefined : 'Invalid token';
  const hmac = /^TC ([^:]+):(.+)$/.exec(authorization);
  if (!hmac) return 'No authorization header';
  const timestamp = header(request, 'timestamp') ?? '';
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return 'Timestamp missing or not within 5 minutes of the server clock';
  const expected = createHmac('sha256', secret).update(`${request.rawPath}:${request.method}:${timestamp}`).digest('base64');
  return hmac[1] === accessId && sameText(hmac[2], expected) ? undefined : 'Invalid signature';
}

export function threatconnectApi(context: ApiContext): ApiHandler {
  const { data: store } = context;
  const routes: Record<string, (request: ApiRequest) => Promise<ApiReply>> = {
    '/api/v3/security/owners': async () => ({ status: 200, body: { status: 'Success', data: [{ id: 1, name: 'Lab Org', type: 'Organization' }] } }),
    '/api/v3/indicators': async (request) => {
      const start = Number(request.url.searchParams.get('resultStart') ?? 0);
      const limit = Math.min(Number(request.url.searchParams.get('resultLimit') ?? 100), 10_000);
      const data = (await store.indicators(start, limit)).map((i) => ({ id: i.id, type: i.type === 'host' ? 'Host' : i.type, summary: i.value, dateAdded: i.createdAt, ownerName: 'Lab Org' }));
      return { status: 200, body: { status: 'Success', data, ...(request.url.searchParams.get('count') === 'true' ? { count: await store.indicatorCount() } : {}) } };
    },
    '/api/v3/playbooks': async () => ({ status: 200, body: { status: 'Success', data: PLAYBOOKS } }),
    '/api/v3/job/executions': async () => {
      // The stand-in reads "completedTime > NOW() - 1 HOUR" as the last hour's runs.
      const hourAgo = Date.now() - 3_600_000;
      const runs = (await store.recentJobRuns(100)).filter((r) => Date.parse(r.ranAt) > hourAgo);
      const data = runs.map((r, index) => ({ id: index + 1, jobId: 1, startTime: r.ranAt, completedTime: r.ranAt, status: 'Completed', serverName: r.server }));
      return { status: 200, body: { status: 'Success', data, countSuccess: data.length, countFailure: 0 } };
    },
  };
  return async (request) => {
    const route = request.method === 'GET' ? routes[request.url.pathname] : undefined;
    if (!route) return request.url.pathname.startsWith('/api/') ? { status: 404, body: { status: 'Failure', message: 'Not found' } } : undefined;
    const failure = authFailure(context, request);
    return failure ? refused(failure) : route(request);
  };
}
