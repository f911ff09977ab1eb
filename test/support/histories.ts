/**
 * The replay corpus: recorded histories of finished drills, one folder per release
 * (test/histories/<version>/), kept for ever and never overwritten. A change to workflow code that
 * would not replay any of them fails test/replay.test.ts, so an upgrade never breaks a drill that
 * is waiting for a person. Record the current release's runs with
 * `RECORD_HISTORIES=1 npm test -- <test files>`; files already there are left as they are.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { atLeast } from './versions';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'histories');
export const RELEASE = (
  JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** The runs each release's corpus must hold (issue: drills that survive upgrades). */
export const RELEASE_RUNS = [
  'full-lab-drill-data-tier',
  'route53-switch',
  'scheduled-drill',
  'gate-timed-out',
  'approvals-by-signal',
  'rejected',
  'retried-step',
  'skipped-step',
  'aborted-failover-way-back',
  // Since 0.3.0: pause and stop conditions, a failed step's siblings in a parallel block, read-only
  // checks as local activities, and the readiness precheck workflow.
  'paused-and-resumed',
  'stop-condition-paused',
  'block-sibling-finishes-during-decision',
  'local-read-only-checks',
  'precheck-drifts',
  // Since 0.4.0: an approval handed over while the drill's only worker was dead, taken by the next
  // worker; a check that waited for what it checks.
  'approval-while-worker-down',
  'check-waited-within',
  // Since 0.5.0: a drill of the previous release's build adopted by the new build (test/adoption.test.ts).
  'adopted-drill',
  // Since 0.7.0: a gate's own rule (one approval per role, a refused approval) and a stop condition
  // scoped to a phase on the serving site.
  'gate-roles',
  // Since 0.8.0: the reprotect mode after a site loss (await the returned site, fence, writes to
  // reconcile, resync), started while the lost site was still dead.
  'site-loss-reprotect',
] as const;

/** Runs added after the corpus began: a release older than the one named is not asked for them. */
const RUNS_SINCE: Partial<Record<(typeof RELEASE_RUNS)[number], string>> = {
  'adopted-drill': '0.5.0',
  'gate-roles': '0.7.0',
  'site-loss-reprotect': '0.8.0',
};

/** The runs a release's corpus must hold. */
export const runsOfRelease = (release: string): string[] =>
  RELEASE_RUNS.filter((run) => atLeast(release, RUNS_SINCE[run] ?? '0.0.0'));

/** Every recorded history below test/histories, releases' folders and the legacy top level alike. */
export function recordedHistories(dir = HISTORIES_DIR): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return recordedHistories(full);
    return name.endsWith('.json') ? [full] : [];
  });
}

export async function recordHistoryIfAsked(client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const file = path.join(HISTORIES_DIR, RELEASE, `${name}.json`);
  if (existsSync(file)) return; // never overwritten: running drills of that release replay against it
  const handle = client.workflow.getHandle(workflowId);
  // Recorded once the workflow has closed, so replay covers its whole life, WorkflowExecutionCompleted included.
  await handle.result().catch(() => undefined);
  const history = await handle.fetchHistory();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, historyToJSON(history));
}
