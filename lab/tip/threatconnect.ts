/**
 * The ThreatConnect personality: v3 REST under /api/v3 with HMAC (`Authorization: TC
 * <accessId>:<signature>` + `Timestamp`, within 5 minutes of this clock) or `TC-Token <token>`.
 * Indicators and job executions come from the site's database; the playbooks are a fixed set.
 * What its release lacks (playbooks and job executions before 7.6) answers 404, as a path TC does
 * not know (versions.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { header, type ApiContext, type ApiHandler, type ApiReply, type ApiRequest } from './personality';
import { releaseOf } from './versions';
import type { JobRun } from '../tipStore';

const PLAYBOOKS = [
  { id: 1, name: 'Enrich new indicators', type: 'Playbook', active: true, status: 'Active', triggerType: 'Indicator' },
  {
    id: 2,
    name: 'Block high-confidence hosts',
    type: 'Playbook',
    active: true,
    status: 'Active',
    triggerType: 'Timer',
  },
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
  if (authorization.startsWith('TC-Token '))
    return sameText(authorization.slice(9), secret) ? undefined : 'Invalid token';
  const hmac = /^TC ([^:]+):(.+)$/.exec(authorization);
  if (!hmac) return 'No authorization header';
  const timestamp = header(request, 'timestamp') ?? '';
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300)
    return 'Timestamp missing or not within 5 minutes of the server clock';
  const expected = createHmac('sha256', secret)
    .update(`${request.rawPath}:${request.method}:${timestamp}`)
    .digest('base64');
  return hmac[1] === accessId && sameText(hmac[2], expected) ? undefined : 'Invalid signature';
}

/**
 * GET /api/v3/job/executions: a failed execution carries failedTime instead of completedTime, so a
 * TQL on completedTime never returns it (FIELD-NOTES 16). The stand-in reads the TQL
 * `completedTime > "NOW() - 1 HOUR"` (nothing else), `sorting=completedTime desc|asc` (unsorted: in
 * the order of the ids, oldest first) and resultLimit.
 */
async function jobExecutions(recent: Promise<JobRun[]>, request: ApiRequest): Promise<ApiReply> {
  const params = request.url.searchParams;
  type Execution = {
    id: number;
    jobId: number;
    startTime: string;
    completedTime?: string;
    failedTime?: string;
    status: string;
    exitMessage?: string;
    serverName: string;
  };
  const all = (await recent).map((r, index, runs): Execution => ({
    id: runs.length - index,
    jobId: 1,
    startTime: r.ranAt,
    ...(r.failed
      ? { failedTime: r.ranAt, status: 'Failed', exitMessage: 'stand-in job failed' }
      : { completedTime: r.ranAt, status: 'Completed' }),
    serverName: r.server,
  }));
  const tql = params.get('tql') ?? '';
  const hours = /completedTime\s*>\s*"NOW\(\)\s*-\s*(\d+)\s*HOURS?"/i.exec(tql);
  if (tql && !hours)
    return {
      status: 400,
      body: { status: 'Failure', message: `The stand-in reads only completedTime > "NOW() - N HOUR", not ${tql}` },
    };
  const since = hours ? Date.now() - Number(hours[1]) * 3_600_000 : -Infinity;
  let data = all.filter((e) => (hours ? e.completedTime !== undefined && Date.parse(e.completedTime) > since : true));
  const sorting = /^completedTime (asc|desc)$/i.exec(params.get('sorting') ?? '');
  const at = (e: (typeof data)[number]) => Date.parse(e.completedTime ?? e.failedTime ?? '');
  data = sorting
    ? data.sort((a, b) => (sorting[1].toLowerCase() === 'desc' ? at(b) - at(a) : at(a) - at(b)))
    : data.sort((a, b) => a.id - b.id);
  data = data.slice(0, Math.min(Number(params.get('resultLimit') ?? 100), 10_000));
  return {
    status: 200,
    body: {
      status: 'Success',
      data,
      countSuccess: data.filter((e) => e.status === 'Completed').length,
      countFailure: data.filter((e) => e.status === 'Failed').length,
    },
  };
}

export function threatconnectApi(context: ApiContext): ApiHandler {
  const { data: store } = context;
  const routes: Record<string, (request: ApiRequest) => Promise<ApiReply>> = {
    '/api/v3/security/owners': async () => ({
      status: 200,
      body: { status: 'Success', data: [{ id: 1, name: 'Lab Org', type: 'Organization' }] },
    }),
    '/api/v3/indicators': async (request) => {
      const start = Number(request.url.searchParams.get('resultStart') ?? 0);
      const limit = Math.min(Number(request.url.searchParams.get('resultLimit') ?? 100), 10_000);
      const data = (await store.indicators(start, limit)).map((i) => ({
        id: i.id,
        type: i.type === 'host' ? 'Host' : i.type,
        summary: i.value,
        dateAdded: i.createdAt,
        ownerName: 'Lab Org',
      }));
      return {
        status: 200,
        body: {
          status: 'Success',
          data,
          ...(request.url.searchParams.get('count') === 'true' ? { count: await store.indicatorCount() } : {}),
        },
      };
    },
    '/api/v3/playbooks': async () => ({ status: 200, body: { status: 'Success', data: PLAYBOOKS } }),
    '/api/v3/job/executions': (request) => jobExecutions(store.recentJobRuns(100), request),
  };
  const release = releaseOf('threatconnect', context.version);
  return async (request) => {
    const absent =
      !release.playbooksAndJobExecutions &&
      ['/api/v3/playbooks', '/api/v3/job/executions'].includes(request.url.pathname);
    const route = request.method === 'GET' && !absent ? routes[request.url.pathname] : undefined;
    if (!route)
      return request.url.pathname.startsWith('/api/')
        ? { status: 404, body: { status: 'Failure', message: 'Not found' } }
        : undefined;
    const failure = authFailure(context, request);
    return failure ? refused(failure) : route(request);
  };
}
