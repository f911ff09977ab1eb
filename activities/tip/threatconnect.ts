/**
 * ThreatConnect's v3 REST API (FIELD-NOTES 15): signed with HMAC (`Authorization: TC
 * <accessId>:<base64 HMAC-SHA256(secret, "<path and query as sent>:<METHOD>:<timestamp>")>` and
 * `Timestamp`) or an API token (`Authorization: TC-Token <token>`). Lists answer
 * `{ status: "Success", data: [...], count? }`; `count` only with `?count=true`.
 */
import type { Observation } from '../../kinds/kit/activities/types';
import type { TipCall, PlatformChecks } from './context';
import { age, count, kib, plural } from './figures';
import { readMonitors } from './monitors';
import { field, isArray, isNumber, type TipRequest, type TipResponse } from './request';
import { tcRequest } from './tcRequest';
import { failRetryable } from '../../kinds/kit/activities/failures';
import type { SiteRole } from '../../domain';

/**
 * Completed executions of the last hour, newest first: after a switch the newest must come from the
 * serving app server. Sorted, so the newest is on this page whatever the volume. A failed execution
 * carries failedTime instead of completedTime (developer docs docs/rest_api/v3/job_executions/
 * schemas; FIELD-NOTES 16), so this query never returns one: the sentence says failures are not counted.
 */
const RECENT_EXECUTIONS = `/api/v3/job/executions?tql=${encodeURIComponent('completedTime > "NOW() - 1 HOUR"')}&sorting=completedTime%20desc&resultLimit=100`;

/**
 * /api/v3/playbooks and /api/v3/job/executions exist from ThreatConnect 7.6; 7.5 and earlier answer
 * 404 (ThreatConnect-Inc/threatconnect-developer-docs docs/rest_api/v3/job_executions/,
 * playbooks/; tcex; FIELD-NOTES 16): a release question, not an unhealthy platform.
 */
const FROM_7_6 = (status: number) =>
  status === 404
    ? {
        message:
          'endpoint absent: ThreatConnect < 7.6 (the v3 playbooks and job executions endpoints came in 7.6; switch this check off)',
        type: 'TipEndpointAbsent',
      }
    : undefined;
const DOWNLOAD_LIMIT = 1000;

async function get(
  call: TipCall,
  role: SiteRole,
  path: string,
  explain?: TipRequest['explain'],
): Promise<TipResponse & { json: Record<string, unknown> }> {
  const response = await tcRequest(call, role, { method: 'GET', path, expect: 'json', explain });
  const json = response.json as Record<string, unknown>;
  if (json?.status !== 'Success')
    failRetryable(
      `${call.endpoint(role, []).who}: ${path.split('?')[0]} answered status ${JSON.stringify(json?.status)}${json?.message ? ` (${String(json.message)})` : ''}, not Success`,
      'TipUnhealthy',
    );
  return { ...response, json };
}

async function health(call: TipCall): Promise<Observation> {
  const answer = await get(call, call.args.serving, '/api/v3/security/owners');
  const owners = field(call.who(), answer.json, 'data', isArray, 'owners');
  return {
    summary: `${call.who()}: the v3 API answers signed in (${plural(owners.length, 'owner')}, ${answer.durationMs} ms)`,
    facts: { owners: owners.length, durationMs: answer.durationMs },
  };
}

async function indicators(call: TipCall): Promise<Observation> {
  const answer = await get(call, call.args.serving, '/api/v3/indicators?resultLimit=1&count=true');
  const total = field(call.who(), answer.json, 'count', isNumber, 'indicator count');
  const min = call.args.thresholds.minCount ?? 1;
  if (total < min)
    failRetryable(`${call.who()}: ${plural(total, 'indicator')}, expected at least ${count(min)}`, 'TipNoIndicators', {
      indicators: total,
    });
  return { summary: `${call.who()}: ${plural(total, 'indicator')}`, facts: { indicators: total } };
}

async function download(call: TipCall): Promise<Observation> {
  const answer = await get(call, call.args.serving, `/api/v3/indicators?resultStart=0&resultLimit=${DOWNLOAD_LIMIT}`);
  const rows = field(call.who(), answer.json, 'data', isArray, 'indicators');
  const readable = rows.filter((row) => typeof (row as { summary?: unknown })?.summary === 'string').length;
  const min = call.args.thresholds.minRows ?? 1;
  if (readable < min)
    failRetryable(
      `${call.who()}: the indicators download held ${plural(readable, 'readable row')} (of ${rows.length}), expected at least ${count(min)}`,
      'TipDownloadEmpty',
      { rows: rows.length, readable },
    );
  return {
    summary: `${call.who()}: downloaded ${plural(readable, 'indicator')} (${kib(answer.text.length)}, first page of at most ${count(DOWNLOAD_LIMIT)})`,
    facts: { rows: readable, bytes: answer.text.length },
  };
}

async function playbooks(call: TipCall): Promise<Observation> {
  const answer = await get(call, call.args.serving, '/api/v3/playbooks?resultLimit=1000', FROM_7_6);
  const listed = field(call.who(), answer.json, 'data', isArray, 'playbooks') as { type?: string; active?: boolean }[];
  const books = listed.filter((p) => p.type !== 'Component');
  const active = books.filter((p) => p.active === true).length;
  const min = call.args.thresholds.minActive ?? 0;
  if (active < min)
    failRetryable(
      `${call.who()}: ${active} of ${plural(books.length, 'playbook')} active, expected at least ${min}`,
      'TipPlaybooksInactive',
      { playbooks: books.length, active },
    );
  return {
    summary: `${call.who()}: ${active} of ${plural(books.length, 'playbook')} active`,
    facts: { playbooks: books.length, active },
  };
}

/**
 * Exactly one app server runs jobs: monitorsEnabled on the serving server and not on the other (read
 * by the plan's command per site; the setting is install-specific: no public ThreatConnect material
 * names it), and the newest completed job execution of the last hour ran on the serving server when
 * the plan names it: the executions' serverName is the documented evidence of where jobs run.
 */
async function jobs(call: TipCall): Promise<Observation> {
  const { serving, siteNames } = call.args;
  const monitors = await readMonitors(call);
  const answer = await get(call, serving, RECENT_EXECUTIONS, FROM_7_6);
  const executions = field(call.who(), answer.json, 'data', isArray, 'job executions') as {
    serverName?: string;
    completedTime?: string;
    failedTime?: string;
  }[];
  const completed = executions.filter((e) => !Number.isNaN(Date.parse(e.completedTime ?? '')));
  const when = (e: (typeof completed)[number]) => Date.parse(e.completedTime ?? '');
  // Sorted newest first; the reduce keeps the check right should a server ignore the sorting.
  const newest = completed.reduce<(typeof completed)[number] | undefined>(
    (best, e) => (!best || when(e) > when(best) ? e : best),
    undefined,
  );
  const expected = call.args.sites[serving].serverName;
  const failures = 'failed executions carry failedTime, not completedTime, and are not counted';
  const facts = {
    monitors,
    executions: completed.length,
    newestServer: newest?.serverName,
    newestAt: newest ? new Date(when(newest)).toISOString() : undefined,
    failuresCounted: false,
  };
  if (expected && newest?.serverName !== expected) {
    const seen = newest
      ? `the newest completed one ran on ${newest.serverName ?? 'an unnamed server'} ${age(Date.now() - when(newest))} ago`
      : 'none completed in the last hour';
    failRetryable(
      `${call.who()}: no completed job execution yet on ${expected}; ${seen} (${failures})`,
      'TipJobsElsewhere',
      facts,
    );
  }
  const unchecked = expected
    ? ''
    : `; tip.${serving}.serverName is not set, so where the executions ran is not compared`;
  const ran = newest
    ? `; newest completed job execution on ${newest.serverName ?? '?'} ${age(Date.now() - when(newest))} ago (${plural(completed.length, 'completed execution')} in the last hour; ${failures})`
    : `; no completed job execution in the last hour (${failures})`;
  return {
    summary: `${call.who()}: jobs on exactly one app server: monitorsEnabled on ${siteNames[serving]} only${monitors.note}${ran}${unchecked}`,
    facts,
  };
}

export const threatconnectChecks: PlatformChecks = { health, indicators, download, playbooks, jobs };
