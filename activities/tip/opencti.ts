/**
 * OpenCTI (FIELD-NOTES 13 and 6.1): `GET /health?health_access_key=…` and GraphQL at `/graphql`
 * with `Authorization: Bearer <token>`. A GraphQL error comes back HTTP 200 with `errors[]`: it is
 * a failure, never data. Connectors are "active" while their last ping (updated_at) is recent.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Observation } from '../types';
import type { PlatformChecks, TipCall } from './context';
import { age, count, plural } from './figures';
import { field, isArray, isNumber, isString, tipFetch, UNREACHABLE } from './request';
import { failNonRetryable, failRetryable } from '../kit/failures';
import { resolveSecret } from '../secrets';
import type { SiteRole } from '../../domain';

interface Connector {
  name?: string;
  active?: boolean;
  updated_at?: string;
  built_in?: boolean;
}

const AUTH_CODES = new Set(['AUTH_REQUIRED', 'FORBIDDEN_ACCESS', 'UNAUTHENTICATED', 'FORBIDDEN']);

export async function graphql(call: TipCall, role: SiteRole, query: string): Promise<Record<string, unknown>> {
  const secrets: string[] = [];
  const endpoint = call.endpoint(role, secrets);
  const token = await resolveSecret(call.args.sites[role].token ?? {}, `${call.stepId}.tip.${role}.token`);
  secrets.push(token);
  const answer = await tipFetch(endpoint, {
    method: 'POST',
    path: '/graphql',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ query }),
    expect: 'json',
  });
  const json = answer.json as { data?: Record<string, unknown>; errors?: { message?: string; extensions?: { code?: string } }[] };
  if (Array.isArray(json?.errors) && json.errors.length > 0) {
    const first = json.errors[0];
    const said = `${first.message ?? 'an error'}${first.extensions?.code ? ` (${first.extensions.code})` : ''}`;
    if (AUTH_CODES.has(first.extensions?.code ?? '') || /logged in|authenticat|forbidden/i.test(first.message ?? '')) {
      failNonRetryable(`${endpoint.who} refused the API token: GraphQL answered "${said}"`, 'TipAuthRefused', { errors: json.errors });
    }
    failRetryable(`${endpoint.who}: GraphQL answered with ${plural(json.errors.length, 'error')}: "${said}"`, 'TipGraphqlError', { errors: json.errors });
  }
  if (!json?.data || typeof json.data !== 'object') failRetryable(`${endpoint.who}: GraphQL answered without data`, 'TipUnexpectedAnswer');
  return json.data;
}

async function health(call: TipCall): Promise<Observation> {
  const role = call.args.serving;
  const secrets: string[] = [];
  const key = await resolveSecret(call.args.sites[role].healthKey ?? {}, `${call.stepId}.tip.${role}.healthKey`);
  secrets.push(key, encodeURIComponent(key));
  // A key with + or & in it must be encoded, or the platform reads another key (FIELD-NOTES 13).
  const answer = await tipFetch(call.endpoint(role, secrets), { method: 'GET', path: `/health?health_access_key=${encodeURIComponent(key)}`, headers: { Accept: 'application/json' }, expect: 'json' });
  const status = field(call.who(), answer.json, 'status', isString, 'health status');
  if (!['success', 'ok'].includes(status)) failRetryable(`${call.who()}: /health answered status "${status}"`, 'TipUnhealthy', { health: answer.json });
  const data = await graphql(call, role, 'query DrillHealth { about { version } }');
  const version = field(call.who(), data, 'about.version', isString, 'platform version');
  return { summary: `${call.who()}: /health ${status} (${answer.durationMs} ms); platform ${version}`, facts: { health: status, version } };
}

async function indicators(call: TipCall): Promise<Observation> {
  const data = await graphql(call, call.args.serving, 'query DrillIndicators { indicators(first: 1) { pageInfo { globalCount } } }');
  const total = field(call.who(), data, 'indicators.pageInfo.globalCount', isNumber, 'indicator count');
  const min = call.args.thresholds.minCount ?? 1;
  if (total < min) failRetryable(`${call.who()}: ${plural(total, 'indicator')}, expected at least ${count(min)}`, 'TipNoIndicators', { indicators: total });
  return { summary: `${call.who()}: ${plural(total, 'indicator')}`, facts: { indicators: total } };
}

/** OpenCTI exports files asynchronously; reading a page of indicators with their patterns is what a consumer downloads. */
async function download(call: TipCall): Promise<Observation> {
  const data = await graphql(call, call.args.serving, 'query DrillDownload { indicators(first: 100) { edges { node { id pattern } } } }');
  const edges = field(call.who(), data, 'indicators.edges', isArray, 'indicator page') as { node?: { pattern?: unknown } }[];
  const rows = edges.filter((e) => typeof e.node?.pattern === 'string').length;
  const min = call.args.thresholds.minRows ?? 1;
  if (rows < min) failRetryable(`${call.who()}: a page of indicators held ${plural(rows, 'readable pattern')}, expected at least ${count(min)}`, 'TipDownloadEmpty', { rows });
  return { summary: `${call.who()}: read a page of ${plural(rows, 'indicator')} with their patterns`, facts: { rows } };
}

const CONNECTORS = 'query DrillConnectors { connectors { id name connector_type active auto updated_at built_in } }';

function heartbeats(call: TipCall, data: Record<string, unknown>, role: SiteRole): { connectors: Connector[]; active: number; newestMs?: number } {
  const connectors = (field(call.who(role), data, 'connectors', isArray, 'connector list') as Connector[]).filter((c) => c.built_in !== true);
  const times = connectors.map((c) => Date.parse(c.updated_at ?? '')).filter((t) => !Number.isNaN(t));
  return { connectors, active: connectors.filter((c) => c.active === true).length, newestMs: times.length ? Date.now() - Math.max(...times) : undefined };
}

/** Connectors active and heartbeating on the serving site, and none heartbeating on the other. */
async function connectors(call: TipCall): Promise<Observation> {
  const { thresholds, siteNames, planned } = call.args;
  const maxAge = thresholds.maxHeartbeatAge ?? 120_000;
  const here = heartbeats(call, await graphql(call, call.args.serving, CONNECTORS), call.args.serving);
  const facts = { connectors: here.connectors.length, active: here.active, newestHeartbeatMs: here.newestMs };
  const min = thresholds.minActive ?? 0;
  if (here.active < min) failRetryable(`${call.who()}: ${here.active}/${here.connectors.length} connectors active, expected at least ${min}`, 'TipConnectorsInactive', facts);
  if (here.connectors.length > 0 && (here.newestMs === undefined || here.newestMs > maxAge)) {
    const last = here.newestMs === undefined ? 'no connector ever sent one' : `the newest is ${age(here.newestMs)} old`;
    failRetryable(`${call.who()}: connectors are stale: ${last}, expected within ${age(maxAge)}`, 'TipConnectorsStale', facts);
  }
  const other = await otherSide(call, maxAge);
  if (other.heartbeating) failRetryable(`${call.who()}: connectors heartbeat on both sites: ${siteNames[call.other]} has ${other.heartbeating} active (newest ${age(other.newestMs ?? 0)} ago)`, 'TipConnectorsOnTwoSites', { ...facts, other });
  if (other.unreadable && planned) failRetryable(`${call.who()}: cannot tell whether connectors also run on ${siteNames[call.other]}: ${other.unreadable}`, 'TipOtherSiteUnreadable', { ...facts, other });
  const beat = here.newestMs === undefined ? 'no connectors registered' : `last heartbeat ${age(here.newestMs)} ago`;
  return { summary: `${call.who()}: ${here.active}/${here.connectors.length} connectors active, ${beat}; ${other.said}`, facts: { ...facts, other } };
}

/** The other site either does not answer (as a scaled-down platform), or answers with no recent heartbeat. */
async function otherSide(call: TipCall, maxAge: number): Promise<{ said: string; heartbeating?: number; newestMs?: number; unreadable?: string }> {
  const name = call.args.siteNames[call.other];
  try {
    const there = heartbeats(call, await graphql(call, call.other, CONNECTORS), call.other);
    const recent = there.newestMs !== undefined && there.newestMs <= maxAge;
    return recent ? { said: '', heartbeating: there.active || there.connectors.length, newestMs: there.newestMs } : { said: `none heartbeats on ${name}` };
  } catch (error) {
    if (error instanceof ApplicationFailure && error.type === UNREACHABLE) return { said: `${name} does not answer` };
    return { said: `${name} unreadable`, unreadable: (error as Error).message };
  }
}

export const openctiChecks: PlatformChecks = { health, indicators, download, connectors };
