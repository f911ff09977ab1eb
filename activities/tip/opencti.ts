/**
 * OpenCTI (FIELD-NOTES 13, 16 and 6.1): `GET /health?health_access_key=…` and GraphQL at `/graphql`
 * with `Authorization: Bearer <token>`. A GraphQL error comes back HTTP 200 with `errors[]`: it is
 * a failure, never data. A connector's liveness is the platform's own `active` (a heartbeat within
 * 5 minutes on every release); `updated_at` is information only (see connectors below).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Observation } from '../../kinds/kit/activities/types';
import type { PlatformChecks, TipCall } from './context';
import { age, count, plural } from './figures';
import { field, isArray, isNumber, isString, tipFetch, UNREACHABLE } from './request';
import { failNonRetryable, failRetryable } from '../../kinds/kit/activities/failures';
import { resolveSecret } from '../../kinds/kit/activities/secrets';
import type { SiteRole } from '../../domain';

interface Connector {
  name?: string;
  active?: boolean;
  updated_at?: string;
  built_in?: boolean;
}

/**
 * Every code OpenCTI refuses a caller with, all sent with HTTP 200 (OpenCTI-Platform/opencti
 * opencti-graphql/src/config/errors.js, errors.ts on newer releases: AuthRequired, ForbiddenAccess, AuthenticationFailure,
 * OtpRequired, OtpRequiredActivation, PasswordChangeRequired, LtsRequiredActivation), and Apollo's own two.
 */
export const AUTH_CODES = new Set([
  'AUTH_REQUIRED',
  'FORBIDDEN_ACCESS',
  'AUTH_FAILURE',
  'OTP_REQUIRED',
  'OTP_REQUIRED_ACTIVATION',
  'PASSWORD_CHANGE_REQUIRED',
  'LTS_REQUIRED_ACTIVATION',
  'UNAUTHENTICATED',
  'FORBIDDEN',
]);

/** What a FORBIDDEN_ACCESS means for a query: the capability the API user lacks. */
interface Needs {
  capability: string;
  what: string;
}

export async function graphql(
  call: TipCall,
  role: SiteRole,
  query: string,
  needs?: Needs,
): Promise<Record<string, unknown>> {
  const secrets: string[] = [];
  // GraphQL goes to the API's own endpoint where the plan names one (tip.<site>.apiUrl).
  const endpoint = call.endpoint(role, secrets, 'api');
  const token = await resolveSecret(call.args.sites[role].token ?? {}, `${call.stepId}.tip.${role}.token`);
  secrets.push(token);
  const answer = await tipFetch(endpoint, {
    method: 'POST',
    path: '/graphql',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ query }),
    expect: 'json',
  });
  const json = answer.json as {
    data?: Record<string, unknown>;
    errors?: { message?: string; extensions?: { code?: string } }[];
  };
  if (Array.isArray(json?.errors) && json.errors.length > 0) {
    const first = json.errors[0];
    const said = `${first.message ?? 'an error'}${first.extensions?.code ? ` (${first.extensions.code})` : ''}`;
    const code = first.extensions?.code ?? '';
    if (code === 'FORBIDDEN_ACCESS' && needs) {
      failNonRetryable(
        `${endpoint.who} refused ${needs.what}: the token's user lacks the ${needs.capability} capability, which ${needs.what} needs (GraphQL answered "${said}")`,
        'TipAuthRefused',
        { errors: json.errors },
      );
    }
    if (AUTH_CODES.has(code) || /logged in|authenticat|forbidden/i.test(first.message ?? '')) {
      failNonRetryable(`${endpoint.who} refused the API token: GraphQL answered "${said}"`, 'TipAuthRefused', {
        errors: json.errors,
      });
    }
    failRetryable(
      `${endpoint.who}: GraphQL answered with ${plural(json.errors.length, 'error')}: "${said}"`,
      'TipGraphqlError',
      { errors: json.errors },
    );
  }
  if (!json?.data || typeof json.data !== 'object')
    failRetryable(`${endpoint.who}: GraphQL answered without data`, 'TipUnexpectedAnswer');
  return json.data;
}

async function health(call: TipCall): Promise<Observation> {
  const role = call.args.serving;
  const secrets: string[] = [];
  const key = await resolveSecret(call.args.sites[role].healthKey ?? {}, `${call.stepId}.tip.${role}.healthKey`);
  secrets.push(key, encodeURIComponent(key));
  // A key with + or & in it must be encoded, or the platform reads another key (FIELD-NOTES 13).
  const answer = await tipFetch(call.endpoint(role, secrets), {
    method: 'GET',
    path: `/health?health_access_key=${encodeURIComponent(key)}`,
    headers: { Accept: 'application/json' },
    expect: 'json',
  });
  const status = field(call.who(), answer.json, 'status', isString, 'health status');
  if (!['success', 'ok'].includes(status))
    failRetryable(`${call.who()}: /health answered status "${status}"`, 'TipUnhealthy', { health: answer.json });
  // Older schemas answer `about` without @auth, a bad token still gets the version: `me` needs a
  // signed-in user on every release, so the token is proven, not assumed (FIELD-NOTES 16).
  const data = await graphql(call, role, 'query DrillHealth { me { id } about { version } }');
  field(call.who(), data, 'me.id', isString, 'signed-in user (the token is not accepted)');
  const version = field(call.who(), data, 'about.version', isString, 'platform version');
  return {
    summary: `${call.who()}: /health ${status} (${answer.durationMs} ms); platform ${version}`,
    facts: { health: status, version },
  };
}

async function indicators(call: TipCall): Promise<Observation> {
  const data = await graphql(
    call,
    call.args.serving,
    'query DrillIndicators { indicators(first: 1) { pageInfo { globalCount } } }',
    KNOWLEDGE,
  );
  const total = field(call.who(), data, 'indicators.pageInfo.globalCount', isNumber, 'indicator count');
  const min = call.args.thresholds.minCount ?? 1;
  if (total < min)
    failRetryable(`${call.who()}: ${plural(total, 'indicator')}, expected at least ${count(min)}`, 'TipNoIndicators', {
      indicators: total,
    });
  return { summary: `${call.who()}: ${plural(total, 'indicator')}`, facts: { indicators: total } };
}

/** OpenCTI exports files asynchronously; reading a page of indicators with their patterns is what a consumer downloads. */
async function download(call: TipCall): Promise<Observation> {
  const data = await graphql(
    call,
    call.args.serving,
    'query DrillDownload { indicators(first: 100) { edges { node { id pattern } } } }',
    KNOWLEDGE,
  );
  const edges = field(call.who(), data, 'indicators.edges', isArray, 'indicator page') as {
    node?: { pattern?: unknown };
  }[];
  const rows = edges.filter((e) => typeof e.node?.pattern === 'string').length;
  const min = call.args.thresholds.minRows ?? 1;
  if (rows < min)
    failRetryable(
      `${call.who()}: a page of indicators held ${plural(rows, 'readable pattern')}, expected at least ${count(min)}`,
      'TipDownloadEmpty',
      { rows },
    );
  return { summary: `${call.who()}: read a page of ${plural(rows, 'indicator')} with their patterns`, facts: { rows } };
}

const KNOWLEDGE: Needs = { capability: 'KNOWLEDGE', what: 'the indicators query' };
const MODULES: Needs = { capability: 'MODULES', what: 'the connectors query' };
const CONNECTORS = 'query DrillConnectors { connectors { id name connector_type active auto updated_at built_in } }';

/**
 * The registered (not built-in) connectors and how many the platform calls active. Released 6.x
 * computes `active = sinceNowInMinutes(updated_at) < 5` (opencti-graphql/src/database/repository
 * completeConnector), and a ping moves updated_at; the newest source (fix for opencti#18851) keeps
 * the heartbeat in Redis (`last_seen_at`, src/database/connector-liveness.ts: 300 s), a ping no
 * longer moves updated_at, and the source says never to derive liveness from it. So `active` is
 * read, and the newest updated_at is only said.
 */
function listConnectors(
  call: TipCall,
  data: Record<string, unknown>,
  role: SiteRole,
): { connectors: Connector[]; active: number; updatedMs?: number } {
  const connectors = (field(call.who(role), data, 'connectors', isArray, 'connector list') as Connector[]).filter(
    (c) => c.built_in !== true,
  );
  const times = connectors.map((c) => Date.parse(c.updated_at ?? '')).filter((t) => !Number.isNaN(t));
  return {
    connectors,
    active: connectors.filter((c) => c.active === true).length,
    updatedMs: times.length ? Date.now() - Math.max(...times) : undefined,
  };
}

/** Connectors active on the serving site (the platform's own `active`), and none active on the other. */
async function connectors(call: TipCall): Promise<Observation> {
  const { thresholds, siteNames, planned } = call.args;
  const here = listConnectors(call, await graphql(call, call.args.serving, CONNECTORS, MODULES), call.args.serving);
  const facts = { connectors: here.connectors.length, active: here.active, newestUpdatedAtMs: here.updatedMs };
  const min = thresholds.minActive ?? 0;
  if (here.active < min)
    failRetryable(
      `${call.who()}: ${here.active}/${here.connectors.length} connectors active (the platform's own active: a heartbeat within 5 min), expected at least ${min}`,
      'TipConnectorsInactive',
      facts,
    );
  const other = await otherSide(call);
  if (other.active)
    failRetryable(
      `${call.who()}: connectors active on both sites: ${siteNames[call.other]} has ${other.active} active`,
      'TipConnectorsOnTwoSites',
      { ...facts, other },
    );
  if (other.unreadable && planned)
    failRetryable(
      `${call.who()}: cannot tell whether connectors also run on ${siteNames[call.other]}: ${other.unreadable}`,
      'TipOtherSiteUnreadable',
      { ...facts, other },
    );
  const updated =
    here.updatedMs === undefined
      ? 'no connectors registered'
      : `newest updated_at ${age(here.updatedMs)} ago (information only: the newest OpenCTI keeps heartbeats in Redis)`;
  return {
    summary: `${call.who()}: ${here.active}/${here.connectors.length} connectors active, ${updated}; ${other.said}`,
    facts: { ...facts, other },
  };
}

/** The other site either does not answer (as a scaled-down platform), or answers with no connector active. */
async function otherSide(call: TipCall): Promise<{ said: string; active?: number; unreadable?: string }> {
  const name = call.args.siteNames[call.other];
  try {
    const there = listConnectors(call, await graphql(call, call.other, CONNECTORS, MODULES), call.other);
    return there.active > 0 ? { said: '', active: there.active } : { said: `none active on ${name}` };
  } catch (error) {
    if (error instanceof ApplicationFailure && error.type === UNREACHABLE) return { said: `${name} does not answer` };
    return { said: `${name} unreadable`, unreadable: (error as Error).message };
  }
}

export const openctiChecks: PlatformChecks = { health, indicators, download, connectors };
