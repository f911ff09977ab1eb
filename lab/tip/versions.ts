/**
 * The releases a stand-in personality answers as (`--version`), each behaviour as that release's own
 * source has it (FIELD-NOTES 16, read 2026-12-07). A personality asks these small functions what its
 * release does and keeps its own routes; the defaults are what the lab plans need today.
 *
 *   MISP           <release>[+cakeresque|+simple][+scheduler_worker][+jobs_off][+no_proc]
 *                  e.g. 2.4.160+cakeresque, 2.4.170+simple, 2.5.1+simple+scheduler_worker (default)
 *   OpenCTI        6.4.0 (default) | redis-heartbeat
 *   ThreatConnect  7.5 | 7.7 (default)
 */
import type { PersonalityName } from './personality';

export interface MispRelease {
  version: string;
  /** How restSearch's X-Result-Count is computed (MISP/MISP app/Model/Attribute.php). */
  resultCount: 'rows' | 'total' | 'capped';
  /**
   * MISP.background_jobs off, legacy CakeResque, or SimpleBackgroundJobs (2.4.151+, supervisord's
   * misp-workers group; misp-docker's default).
   */
  backgroundJobs: 'off' | 'cakeresque' | 'simple';
  /** A `scheduler` process in the misp-workers group (SimpleBackgroundJobs only lists it then). */
  schedulerWorker: boolean;
  /** MISP can read /proc; without it workerDiagnostics reports alive 'N/A'. */
  procAccessible: boolean;
}

export interface OpenctiRelease {
  version: string;
  /**
   * Where a connector's heartbeat lives. Released 6.x: the ping moves updated_at and
   * `active = sinceNowInMinutes(updated_at) < 5` (opencti-graphql/src/database/repository
   * completeConnector). The newest source (fix for opencti#18851): the heartbeat is a Redis sorted
   * set (`connector_heartbeats`, src/database/redis), `active` is a heartbeat within 300 s
   * (src/database/connector-liveness.ts) and a ping no longer moves updated_at.
   */
  heartbeat: 'updated_at' | 'redis';
  /** Older schemas carry no @auth on `about`: a bad token still gets the version (FIELD-NOTES 16). */
  aboutWithoutAuth: boolean;
}

export interface ThreatconnectRelease {
  version: string;
  /**
   * /api/v3/playbooks and /api/v3/job/executions exist from 7.6; before, 404
   * (ThreatConnect-Inc/threatconnect-developer-docs docs/rest_api/v3/job_executions/, playbooks/; FIELD-NOTES 16).
   */
  playbooksAndJobExecutions: boolean;
}

export interface Releases {
  misp: MispRelease;
  opencti: OpenctiRelease;
  threatconnect: ThreatconnectRelease;
}

/** What `--version` defaults to: the lab plans check a scheduler worker, MODULES-era connectors and TC's 7.6+ endpoints. */
export const DEFAULT_VERSIONS: Record<PersonalityName, string> = {
  misp: '2.5.1+simple+scheduler_worker',
  opencti: '6.4.0',
  threatconnect: '7.7',
};

type Triple = [number, number, number];

function triple(version: string): Triple | undefined {
  const parts = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(version);
  return parts ? [Number(parts[1]), Number(parts[2]), Number(parts[3] ?? 0)] : undefined;
}

const atLeast = (r: Triple, [a, b, c]: Triple): boolean => (r[0] !== a ? r[0] > a : r[1] !== b ? r[1] > b : r[2] >= c);

const MISP_OPTIONS = ['cakeresque', 'simple', 'scheduler_worker', 'jobs_off', 'no_proc'];

export function mispRelease(spec: string): MispRelease {
  const [version, ...options] = spec.split('+');
  const release = triple(version);
  if (!release || !atLeast(release, [2, 4, 103]))
    throw new Error(
      `--version for misp: expected a MISP release from 2.4.103 (X-Result-Count's first) such as 2.4.160 or 2.5.1, got "${version}"`,
    );
  const unknown = options.filter((o) => !MISP_OPTIONS.includes(o));
  if (unknown.length)
    throw new Error(`--version for misp: unknown option ${unknown.join(', ')}; options are ${MISP_OPTIONS.join(', ')}`);
  // SimpleBackgroundJobs came in 2.4.151; without a choice a release before it runs CakeResque.
  const simpleFrom = atLeast(release, [2, 4, 151]);
  if (options.includes('simple') && !simpleFrom)
    throw new Error(`--version for misp: SimpleBackgroundJobs came in 2.4.151, not in ${version}`);
  const backgroundJobs = options.includes('jobs_off')
    ? 'off'
    : options.includes('cakeresque')
      ? 'cakeresque'
      : options.includes('simple') || simpleFrom
        ? 'simple'
        : 'cakeresque';
  return {
    version: `${release[0]}.${release[1]}.${release[2]}`,
    // <= 2.4.150 the rows sent; 2.4.151-2.4.165 find('count'); >= 2.4.166 (commit 66c627ce4) min(matches, limit) + 1 on a full page.
    resultCount: atLeast(release, [2, 4, 166]) ? 'capped' : atLeast(release, [2, 4, 151]) ? 'total' : 'rows',
    backgroundJobs,
    schedulerWorker: options.includes('scheduler_worker'),
    procAccessible: !options.includes('no_proc'),
  };
}

export function openctiRelease(spec: string): OpenctiRelease {
  if (spec === 'redis-heartbeat') return { version: 'redis-heartbeat', heartbeat: 'redis', aboutWithoutAuth: false };
  const release = triple(spec);
  if (!release || release[0] !== 6)
    throw new Error(
      `--version for opencti: expected a 6.x release such as 6.4.0, or redis-heartbeat (the newest source, heartbeats in Redis), got "${spec}"`,
    );
  return { version: spec, heartbeat: 'updated_at', aboutWithoutAuth: true };
}

export function threatconnectRelease(spec: string): ThreatconnectRelease {
  const release = triple(spec);
  if (!release || release[0] !== 7)
    throw new Error(`--version for threatconnect: expected a 7.x release such as 7.5 or 7.7, got "${spec}"`);
  return { version: spec, playbooksAndJobExecutions: atLeast(release, [7, 6, 0]) };
}

/** The release a personality answers as, from `--version` (or its default). */
export function releaseOf<P extends PersonalityName>(
  personality: P,
  spec = DEFAULT_VERSIONS[personality],
): Releases[P] {
  const parse: { [K in PersonalityName]: (spec: string) => Releases[K] } = {
    misp: mispRelease,
    opencti: openctiRelease,
    threatconnect: threatconnectRelease,
  };
  return parse[personality](spec);
}
