/** Snapshots in the plan's repository: which count as recent and good, and one taken by the drill. */
import type { Client } from '@opensearch-project/opensearch';
import { failNonRetryable } from '../../kit/activities/failures';
import type { Body } from './cluster';

/** Every snapshot in `repository`; a repository that does not exist is a misconfiguration. */
export async function listSnapshots(c: Client, component: string, repository: string): Promise<Body[]> {
  try {
    const res = await c.snapshot.get({ repository, snapshot: '_all' });
    return ((res.body as { snapshots?: Body[] }).snapshots ?? []) as Body[];
  } catch (error) {
    const type = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
    if (type === 'repository_missing_exception')
      failNonRetryable(`${component}: snapshot repository "${repository}" does not exist`, 'NoSnapshotRepository');
    throw error;
  }
}

/** One snapshot by name, or undefined. */
export async function getSnapshot(c: Client, repository: string, name: string): Promise<Body | undefined> {
  const res = await c.snapshot.get({ repository, snapshot: name });
  return ((res.body as { snapshots?: Body[] }).snapshots ?? [])[0];
}

/** SUCCESS, no failed shard, ended within `maxAgeMs`. */
export const isGoodSnapshot = (s: Body, maxAgeMs: number): boolean =>
  s.state === 'SUCCESS' &&
  Number((s.shards as Body | undefined)?.failed ?? 0) === 0 &&
  Date.now() - Number(s.end_time_in_millis) <= maxAgeMs;

/** The newest good snapshot of `snapshots`. */
export const newestGood = (snapshots: Body[], maxAgeMs: number): Body | undefined =>
  snapshots
    .filter((s) => isGoodSnapshot(s, maxAgeMs))
    .sort((a, b) => Number(b.end_time_in_millis) - Number(a.end_time_in_millis))[0];

/** What the report keeps of a snapshot. */
export const snapshotFacts = (s: Body) => ({
  snapshot: s.snapshot,
  state: s.state,
  endTime: s.end_time,
  shards: s.shards,
  indices: (s.indices as string[] | undefined)?.length,
});
