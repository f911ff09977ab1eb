/**
 * What a site loss restores the search tier from is the newest snapshot taken before it: in the
 * seeds a schedule takes them (an SM policy, the managed service's hourly snapshots). Before the
 * demo's loss, each lab makes sure one exists, as it would in production.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The ThreatConnect lab: waits (at most `limitMs`) for a snapshot its schedule took since `since`
 * (a lab dir kept from an earlier run remembers older ones).
 */
export async function scheduledSnapshotTaken(labDir: string, since: number, limitMs = 60_000): Promise<string> {
  const last = path.join(labDir, 'opensearch-sites', 'schedule.last');
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (existsSync(last) && statSync(last).mtimeMs >= since) {
      const [site, name] = readFileSync(last, 'utf8').trim().split(/\s+/);
      return `search: the snapshot schedule took ${name} of ${site}'s cluster; a loss restores the newest (its age is the search tier's RPO)`;
    }
    await sleep(500); // the schedule writes the file after its first successful snapshot
  }
  throw new Error(`the lab's snapshot schedule took no snapshot within ${limitMs / 1000} s (${last})`);
}

/**
 * The OpenCTI lab has no schedule of its own: one snapshot taken now stands for the seed's scheduled
 * ones, into the repository plans/opencti-lab.yaml registers.
 */
export async function snapshotNow(searchUrl: string, repository: string, indices: string): Promise<string> {
  const put = async (url: string, body: unknown): Promise<void> => {
    const res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    if (!res.ok) throw new Error(`PUT ${url}: ${res.status} ${await res.text()}`);
  };
  const name = `scheduled-${Date.now()}`;
  await put(`${searchUrl}/_snapshot/${repository}`, { type: 'fs', settings: { location: repository } });
  await put(`${searchUrl}/_snapshot/${repository}/${name}?wait_for_completion=true`, {
    indices,
    include_global_state: false,
  });
  return `search: snapshot ${name} of ${searchUrl} taken before the loss, standing for the seed's scheduled snapshots (the lab has no schedule of its own)`;
}
