/**
 * MISP's REST API (FIELD-NOTES 14, 16 and 6.2): `Authorization: <key>` (no scheme) and
 * `Accept: application/json`; some builds redirect a refused key to the HTML login page, which the
 * request treats as refused credentials. `/attributes/restSearch` always carries a `limit`:
 * unbounded searches are expensive on a production MISP.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Observation } from '../../kinds/kit/activities/types';
import type { PlatformChecks, TipCall } from './context';
import { count, kib, plural } from './figures';
import { field, isString, tipFetch, UNREACHABLE, type TipRequest, type TipResponse } from './request';
import { failNonRetryable, failRetryable } from '../../kinds/kit/activities/failures';
import { resolveSecret } from '../../kinds/kit/activities/secrets';
import type { SiteRole } from '../../domain';

const DOWNLOAD_LIMIT = 1000;

export async function mispRequest(
  call: TipCall,
  role: SiteRole,
  request: Omit<TipRequest, 'headers'>,
): Promise<TipResponse> {
  const secrets: string[] = [];
  const endpoint = call.endpoint(role, secrets);
  const key = await resolveSecret(call.args.sites[role].key ?? {}, `${call.stepId}.tip.${role}.key`);
  secrets.push(key);
  const accept = request.expect === 'json' ? 'application/json' : 'text/csv';
  return tipFetch(endpoint, {
    ...request,
    headers: { Authorization: key, Accept: accept, 'Content-Type': 'application/json' },
  });
}

async function health(call: TipCall): Promise<Observation> {
  const answer = await mispRequest(call, call.args.serving, {
    method: 'GET',
    path: '/servers/getVersion',
    expect: 'json',
  });
  const version = field(call.who(), answer.json, 'version', isString, 'MISP version');
  return {
    summary: `${call.who()}: the API answers signed in, MISP ${version} (${answer.durationMs} ms)`,
    facts: { version, permSync: (answer.json as { perm_sync?: boolean }).perm_sync },
  };
}

/**
 * Attributes present. X-Result-Count on restSearch means a different thing per release
 * (MISP/MISP app/Model/Attribute.php, FIELD-NOTES 16): up to 2.4.150 the rows of this response;
 * 2.4.151-2.4.165 the real total (`find('count')`); since 2.4.166 (commit 66c627ce4, "a fake number
 * that still forces tools to keep pagination") and in 2.5.x `min(matches, limit)`, plus 1 when the
 * page is full. So on a current MISP a page of `minCount + 1` tells "more than minCount" (full) or
 * the exact count (below the page), never a total. `total: statistics` also sums
 * GET /attributes/attributeStatistics/type (ACL `*`: any user), a grouped count over the whole
 * attributes table: a real total that includes soft-deleted attributes.
 */
async function indicators(call: TipCall): Promise<Observation> {
  const role = call.args.serving;
  const min = call.args.thresholds.minCount ?? 1;
  const limit = min + 1;
  const release = await mispVersion(call, role);
  const answer = await mispRequest(call, role, {
    method: 'POST',
    path: '/attributes/restSearch',
    body: JSON.stringify({ returnFormat: 'json', limit, page: 1 }),
    expect: 'json',
  });
  const page = (answer.json as { response?: { Attribute?: unknown } })?.response?.Attribute;
  if (!Array.isArray(page))
    failRetryable(`${call.who()}: restSearch answered without response.Attribute`, 'TipUnexpectedAnswer', {
      body: answer.text.slice(0, 200),
    });
  const header = answer.headers.has('x-result-count') ? Number(answer.headers.get('x-result-count')) : undefined;
  const seen = readResultCount(call, release, header, page.length, limit);
  const facts: Record<string, unknown> = {
    version: release,
    resultCount: header,
    pageLimit: limit,
    attributes: seen.count,
    reading: seen.reading,
  };
  const shown =
    seen.reading === 'more than' ? `more than ${plural(seen.count, 'attribute')}` : plural(seen.count, 'attribute');
  if (seen.count < min)
    failRetryable(`${call.who()}: ${shown}, expected at least ${count(min)}`, 'TipNoIndicators', facts);
  let total = '';
  if (call.args.thresholds.total === 'statistics') {
    const sum = await statisticsTotal(call, role);
    facts.totalByStatistics = sum;
    total = `; ${plural(sum, 'attribute')} in total by attributeStatistics (soft-deleted ones included)`;
  } else if (seen.reading === 'more than')
    total = ` (a full restSearch page of ${count(limit)}: X-Result-Count is no total on MISP ${release}; total: statistics gives one)`;
  return {
    summary: `${call.who()}: ${shown}${seen.reading === 'total' ? ' (X-Result-Count, a total on this release)' : ''}${total}`,
    facts,
  };
}

/** A MISP release as [major, minor, hotfix]. */
type Release = [number, number, number];

/** The release getVersion names (ACL perm_auth: any user with API access may ask). */
async function mispVersion(call: TipCall, role: SiteRole): Promise<string> {
  const answer = await mispRequest(call, role, { method: 'GET', path: '/servers/getVersion', expect: 'json' });
  return field(call.who(role), answer.json, 'version', isString, 'MISP version');
}

const releaseOf = (version: string): Release | undefined => {
  const parts = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return parts ? [Number(parts[1]), Number(parts[2]), Number(parts[3])] : undefined;
};
const atLeast = (r: Release, [a, b, c]: Release): boolean =>
  r[0] !== a ? r[0] > a : r[1] !== b ? r[1] > b : r[2] >= c;

/** The count one restSearch page tells, read as the release means X-Result-Count; an answer that does not fit fails. */
function readResultCount(
  call: Pick<TipCall, 'who'>,
  version: string,
  header: number | undefined,
  rows: number,
  limit: number,
): { count: number; reading: 'exact' | 'more than' | 'total' } {
  const release = releaseOf(version);
  const full = rows >= limit;
  // From the page alone: a full page means at least `limit`, i.e. more than limit - 1.
  const fromPage = full
    ? { count: limit - 1, reading: 'more than' as const }
    : { count: rows, reading: 'exact' as const };
  const misfit = (meaning: string) =>
    failRetryable(
      `${call.who()}: X-Result-Count ${header} does not fit MISP ${version}'s meaning (${meaning}) for a page of ${rows} of at most ${limit}`,
      'TipUnexpectedAnswer',
      { resultCount: header, rows, limit },
    );
  if (rows > limit) misfit('never more rows than the limit');
  if (header === undefined || !Number.isInteger(header) || header < 0 || !release) return fromPage;
  if (atLeast(release, [2, 4, 166])) {
    if (header !== (full ? limit + 1 : rows)) misfit('min(matches, limit), plus 1 when the page is full');
    return fromPage;
  }
  if (atLeast(release, [2, 4, 151])) {
    if (header < rows) misfit('the real total');
    return { count: header, reading: 'total' };
  }
  return fromPage;
}

/** The sum of GET /attributes/attributeStatistics/type: `{ "<type>": "<count as a string>", … }` (AttributesController::attributeStatistics). */
async function statisticsTotal(call: TipCall, role: SiteRole): Promise<number> {
  const answer = await mispRequest(call, role, {
    method: 'GET',
    path: '/attributes/attributeStatistics/type',
    expect: 'json',
  });
  const counts = answer.json;
  if (!counts || typeof counts !== 'object' || Array.isArray(counts))
    failRetryable(`${call.who(role)}: attributeStatistics answered without counts per type`, 'TipUnexpectedAnswer', {
      body: answer.text.slice(0, 200),
    });
  let sum = 0;
  for (const [type, value] of Object.entries(counts)) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      failRetryable(
        `${call.who(role)}: attributeStatistics gave ${type} the count ${JSON.stringify(value)}`,
        'TipUnexpectedAnswer',
      );
    sum += n;
  }
  return sum;
}

async function download(call: TipCall): Promise<Observation> {
  const answer = await mispRequest(call, call.args.serving, {
    method: 'POST',
    path: '/attributes/restSearch',
    body: JSON.stringify({ returnFormat: 'csv', limit: DOWNLOAD_LIMIT, page: 1 }),
    expect: 'text',
  });
  const lines = answer.text.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0] ?? '';
  if (!/(^|,)"?(uuid|value)"?(,|$)/.test(header))
    failRetryable(
      `${call.who()}: the CSV download has no header row with uuid or value (got ${JSON.stringify(header.slice(0, 60))})`,
      'TipUnexpectedAnswer',
    );
  const rows = lines.length - 1;
  const min = call.args.thresholds.minRows ?? 1;
  if (rows < min)
    failRetryable(
      `${call.who()}: the CSV download held ${plural(rows, 'row')}, expected at least ${count(min)}`,
      'TipDownloadEmpty',
      { rows },
    );
  return {
    summary: `${call.who()}: downloaded ${plural(rows, 'attribute')} as CSV (${kib(answer.text.length)}, at most ${count(DOWNLOAD_LIMIT)})`,
    facts: { rows, bytes: answer.text.length },
  };
}

type Worker = { alive?: boolean | string; ok?: boolean };
type Workers = Record<string, unknown>;

/**
 * GET /servers/getWorkers (ServersController::getWorkers, Server::workerDiagnostics). Site admin
 * only: ACLComponent lists `getWorkers => array()`, so any other key gets 403 "You do not have
 * permission to use this functionality." (a wrong key gets 403 "Authentication failed…"). With
 * MISP.background_jobs off it answers `["Background jobs not enabled"]`.
 */
async function getWorkers(call: TipCall, role: SiteRole): Promise<Workers> {
  const answer = await mispRequest(call, role, {
    method: 'GET',
    path: '/servers/getWorkers',
    expect: 'json',
    explain: (status, body) =>
      status === 403 && !/Authentication failed/i.test(body)
        ? {
            message: "this key is not a site admin's: /servers/getWorkers needs a site-admin key",
            type: 'TipNotSiteAdmin',
          }
        : undefined,
  });
  if (Array.isArray(answer.json)) {
    const said = answer.json.map(String).join('; ');
    failNonRetryable(
      `${call.who(role)}: background jobs are not enabled (getWorkers answered ${JSON.stringify(said)}): no worker to see`,
      'TipJobsNotEnabled',
      { body: answer.text.slice(0, 200) },
    );
  }
  if (!answer.json || typeof answer.json !== 'object')
    failRetryable(`${call.who(role)}: getWorkers answered without queues`, 'TipUnexpectedAnswer');
  return answer.json as Workers;
}

/**
 * One queue of getWorkers: its live workers; absent (SimpleBackgroundJobs drops `scheduler` unless a
 * scheduler worker runs in supervisord's misp-workers group); or unknown, when `alive` is 'N/A'
 * (MISP cannot read /proc: workerDiagnostics sets `$alive = 'N/A'`, and `ok` stays true).
 */
type QueueReading = { alive: number } | { absent: true } | { unknown: string };

function readQueue(workers: Workers, queue: string): QueueReading {
  if (!(queue in workers)) return { absent: true };
  const entry = workers[queue] as { ok?: boolean; workers?: Worker[] } | undefined;
  const listed = Array.isArray(entry?.workers) ? entry.workers : [];
  if (listed.some((w) => w.alive === true))
    return { alive: entry?.ok === true ? listed.filter((w) => w.alive === true).length : 0 };
  if (listed.some((w) => typeof w.alive === 'string'))
    return {
      unknown: `its workers' alive is ${JSON.stringify(listed.find((w) => typeof w.alive === 'string')?.alive)} (MISP cannot read /proc, proc_accessible ${JSON.stringify(workers.proc_accessible)})`,
    };
  return { alive: 0 };
}

/** SimpleBackgroundJobs answers with `supervisord_status`; CakeResque lists every queue, `scheduler` too. */
const simpleBackgroundJobs = (workers: Workers): boolean => 'supervisord_status' in workers;

async function workers(call: TipCall): Promise<Observation> {
  const queues = call.args.thresholds.queues ?? [];
  const found = await getWorkers(call, call.args.serving);
  const readings = Object.fromEntries(queues.map((q) => [q, readQueue(found, q)]));
  const unknown = queues.filter((q) => 'unknown' in readings[q]);
  if (unknown.length)
    failNonRetryable(
      `${call.who()}: cannot tell whether background workers are alive on ${unknown.join(', ')}: ${(readings[unknown[0]] as { unknown: string }).unknown}`,
      'TipWorkersUnknown',
      { readings },
    );
  const counts = Object.fromEntries(
    queues.map((q) => [q, 'alive' in readings[q] ? (readings[q] as { alive: number }).alive : 0]),
  );
  const absent = queues.filter((q) => 'absent' in readings[q]);
  if (absent.length)
    failRetryable(
      `${call.who()}: getWorkers lists no ${absent.join(', ')} queue${absent.length > 1 ? 's' : ''}${simpleBackgroundJobs(found) ? " (SimpleBackgroundJobs: only the queues of supervisord's misp-workers group are listed)" : ''}`,
      'TipWorkersDown',
      { alive: counts, absent },
    );
  const dead = queues.filter((q) => counts[q] === 0);
  if (dead.length)
    failRetryable(`${call.who()}: no live background worker on ${dead.join(', ')}`, 'TipWorkersDown', {
      alive: counts,
    });
  return {
    summary: `${call.who()}: background workers alive on ${queues.map((q) => `${q} ${counts[q]}`).join(', ')}`,
    facts: { alive: counts },
  };
}

const NO_SCHEDULER = (queue: string) =>
  `this MISP runs SimpleBackgroundJobs without scheduler_worker: no ${queue} queue to see; cron-driven tasks are invisible to the API`;

/** Scheduled tasks run on exactly one node: the scheduler worker lives on the serving site and not on the other. */
async function jobs(call: TipCall): Promise<Observation> {
  const { siteNames, planned } = call.args;
  const queue = call.args.thresholds.schedulerQueue ?? 'scheduler';
  const found = await getWorkers(call, call.args.serving);
  const reading = readQueue(found, queue);
  if ('absent' in reading) {
    if (simpleBackgroundJobs(found))
      failNonRetryable(`${call.who()}: ${NO_SCHEDULER(queue)}`, 'TipNoSchedulerQueue', { queues: Object.keys(found) });
    failRetryable(`${call.who()}: getWorkers lists no ${queue} queue`, 'TipUnexpectedAnswer', {
      queues: Object.keys(found),
    });
  }
  if ('unknown' in reading)
    failNonRetryable(
      `${call.who()}: cannot tell whether a ${queue} worker is alive: ${reading.unknown}`,
      'TipWorkersUnknown',
    );
  const here = reading.alive;
  if (here === 0)
    failRetryable(`${call.who()}: no live ${queue} worker, so no node runs the scheduled tasks`, 'TipNoJobs', {
      [queue]: here,
    });
  const other = siteNames[call.other];
  let said: string;
  try {
    const there = await getWorkers(call, call.other);
    const theirs = readQueue(there, queue);
    if ('alive' in theirs && theirs.alive > 0)
      failRetryable(
        `${call.who()}: scheduled tasks on two nodes: a live ${queue} worker on both ${siteNames[call.args.serving]} and ${other}`,
        'TipJobsOnTwoServers',
        { here, there: theirs.alive },
      );
    if ('unknown' in theirs)
      failRetryable(
        `${call.who()}: cannot tell whether ${other} also runs scheduled tasks: ${theirs.unknown}`,
        'TipOtherSiteUnreadable',
      );
    said =
      'absent' in theirs
        ? `${other} lists no ${queue} queue (cron-driven tasks there are invisible to the API)`
        : `none on ${other}`;
  } catch (error) {
    if (
      !(error instanceof ApplicationFailure) ||
      ['TipJobsOnTwoServers', 'TipNotSiteAdmin', 'TipOtherSiteUnreadable'].includes(error.type ?? '')
    )
      throw error;
    if (error.type !== UNREACHABLE && planned)
      failRetryable(
        `${call.who()}: cannot tell whether ${other} also runs scheduled tasks: ${error.message}`,
        'TipOtherSiteUnreadable',
      );
    said =
      error.type === UNREACHABLE ? `${other} does not answer` : `${other} unreadable, taken as down in this outage`;
  }
  return {
    summary: `${call.who()}: scheduled tasks on exactly one node: ${plural(here, `live ${queue} worker`)} here, ${said}`,
    facts: { [queue]: here },
  };
}

export const mispChecks: PlatformChecks = { health, indicators, download, workers, jobs };
