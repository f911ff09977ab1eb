/**
 * MISP's REST API (FIELD-NOTES 14 and 6.2): `Authorization: <key>` (no scheme) and
 * `Accept: application/json`; some builds redirect a refused key to the HTML login page, which the
 * request treats as refused credentials. `/attributes/restSearch` always carries a `limit`:
 * unbounded searches are expensive on a production MISP.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Observation } from '../types';
import type { PlatformChecks, TipCall } from './context';
import { count, kib, plural } from './figures';
import { field, isString, tipFetch, UNREACHABLE, type TipRequest, type TipResponse } from './request';
import { failRetryable } from '../kit/failures';
import { resolveSecret } from '../secrets';
import type { SiteRole } from '../../domain';

const DOWNLOAD_LIMIT = 1000;

export async function mispRequest(call: TipCall, role: SiteRole, request: Omit<TipRequest, 'headers'>): Promise<TipResponse> {
  const secrets: string[] = [];
  const endpoint = call.endpoint(role, secrets);
  const key = await resolveSecret(call.args.sites[role].key ?? {}, `${call.stepId}.tip.${role}.key`);
  secrets.push(key);
  const accept = request.expect === 'json' ? 'application/json' : 'text/csv';
  return tipFetch(endpoint, { ...request, headers: { Authorization: key, Accept: accept, 'Content-Type': 'application/json' } });
}

async function health(call: TipCall): Promise<Observation> {
  const answer = await mispRequest(call, call.args.serving, { method: 'GET', path: '/servers/getVersion', expect: 'json' });
  const version = field(call.who(), answer.json, 'version', isString, 'MISP version');
  return { summary: `${call.who()}: the API answers signed in, MISP ${version} (${answer.durationMs} ms)`, facts: { version, permSync: (answer.json as { perm_sync?: boolean }).perm_sync } };
}

/** The total from X-Result-Count when MISP sends it; otherwise only that a page of `limit` held so many. */
async function indicators(call: TipCall): Promise<Observation> {
  const min = call.args.thresholds.minCount ?? 1;
  const limit = Math.max(min, 1);
  const answer = await mispRequest(call, call.args.serving, { method: 'POST', path: '/attributes/restSearch', body: JSON.stringify({ returnFormat: 'json', limit, page: 1 }), expect: 'json' });
  const page = (answer.json as { response?: { Attribute?: unknown } })?.response?.Attribute;
  if (!Array.isArray(page)) failRetryable(`${call.who()}: restSearch answered without response.Attribute`, 'TipUnexpectedAnswer', { body: answer.text.slice(0, 200) });
  const header = Number(answer.headers.get('x-result-count'));
  const total = Number.isFinite(header) && answer.headers.has('x-result-count') ? header : page.length;
  const shown = answer.headers.has('x-result-count') ? plural(total, 'attribute') : `at least ${plural(total, 'attribute')} (a page of ${limit})`;
  if (total < min) failRetryable(`${call.who()}: ${plural(total, 'attribute')}, expected at least ${count(min)}`, 'TipNoIndicators', { attributes: total });
  return { summary: `${call.who()}: ${shown}`, facts: { attributes: total } };
}

async function download(call: TipCall): Promise<Observation> {
  const answer = await mispRequest(call, call.args.serving, { method: 'POST', path: '/attributes/restSearch', body: JSON.stringify({ returnFormat: 'csv', limit: DOWNLOAD_LIMIT, page: 1 }), expect: 'text' });
  const lines = answer.text.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0] ?? '';
  if (!/(^|,)"?(uuid|value)"?(,|$)/.test(header)) failRetryable(`${call.who()}: the CSV download has no header row with uuid or value (got ${JSON.stringify(header.slice(0, 60))})`, 'TipUnexpectedAnswer');
  const rows = lines.length - 1;
  const min = call.args.thresholds.minRows ?? 1;
  if (rows < min) failRetryable(`${call.who()}: the CSV download held ${plural(rows, 'row')}, expected at least ${count(min)}`, 'TipDownloadEmpty', { rows });
  return { summary: `${call.who()}: downloaded ${plural(rows, 'attribute')} as CSV (${kib(answer.text.length)}, at most ${count(DOWNLOAD_LIMIT)})`, facts: { rows, bytes: answer.text.length } };
}

type Workers = Record<string, { ok?: boolean; workers?: { alive?: boolean }[] } | unknown>;

async function getWorkers(call: TipCall, role: SiteRole): Promise<Workers> {
  const answer = await mispRequest(call, role, { method: 'GET', path: '/servers/getWorkers', expect: 'json' });
  if (!answer.json || typeof answer.json !== 'object') failRetryable(`${call.who(role)}: getWorkers answered without queues`, 'TipUnexpectedAnswer');
  return answer.json as Workers;
}

const alive = (workers: Workers, queue: string): number => {
  const entry = workers[queue] as { ok?: boolean; workers?: { alive?: boolean }[] } | undefined;
  return entry?.ok === true && Array.isArray(entry.workers) ? entry.workers.filter((w) => w.alive === true).length : 0;
};

async function workers(call: TipCall): Promise<Observation> {
  const queues = call.args.thresholds.queues ?? [];
  const found = await getWorkers(call, call.args.serving);
  const counts = Object.fromEntries(queues.map((q) => [q, alive(found, q)]));
  const dead = queues.filter((q) => counts[q] === 0);
  if (dead.length) failRetryable(`${call.who()}: no live background worker on ${dead.join(', ')}`, 'TipWorkersDown', { alive: counts });
  return { summary: `${call.who()}: background workers alive on ${queues.map((q) => `${q} ${counts[q]}`).join(', ')}`, facts: { alive: counts } };
}

/** Scheduled tasks run on exactly one node: the scheduler worker lives on the serving site and not on the other. */
async function jobs(call: TipCall): Promise<Observation> {
  const { siteNames, planned } = call.args;
  const queue = call.args.thresholds.schedulerQueue ?? 'scheduler';
  const here = alive(await getWorkers(call, call.args.serving), queue);
  if (here === 0) failRetryable(`${call.who()}: no live ${queue} worker, so no node runs the scheduled tasks`, 'TipNoJobs', { [queue]: here });
  const other = siteNames[call.other];
  let said: string;
  try {
    const there = alive(await getWorkers(call, call.other), queue);
    if (there > 0) failRetryable(`${call.who()}: scheduled tasks on two nodes: a live ${queue} worker on both ${siteNames[call.args.serving]} and ${other}`, 'TipJobsOnTwoServers', { here, there });
    said = `none on ${other}`;
  } catch (error) {
    if (!(error instanceof ApplicationFailure) || error.type === 'TipJobsOnTwoServers') throw error;
    if (error.type !== UNREACHABLE && planned) failRetryable(`${call.who()}: cannot tell whether ${other} also runs scheduled tasks: ${error.message}`, 'TipOtherSiteUnreadable');
    said = error.type === UNREACHABLE ? `${other} does not answer` : `${other} unreadable, taken as down in this outage`;
  }
  return { summary: `${call.who()}: scheduled tasks on exactly one node: ${plural(here, `live ${queue} worker`)} here, ${said}`, facts: { [queue]: here } };
}

export const mispChecks: PlatformChecks = { health, indicators, download, workers, jobs };
