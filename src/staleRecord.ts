/**
 * A drill's record when no worker can answer its status query (its only worker died a moment ago):
 * the drill's history, replayed here with the workflow bundle, gives the record as of the last
 * completed workflow task. Marked stale with its age, never shown as live.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { buildsDir, workflowBundlePath } from '../store/config';
import type { DrillRecord } from '../domain';

export interface StaleRecord {
  record: DrillRecord;
  /** When the last workflow task completed: the record is as of then. */
  asOf: Date;
  /** Whether this build's own bundle replayed the history (else a kept build's did). */
  replaysHere: boolean;
}

/**
 * Replays with this build's bundle, then, when that code does not replay the history, with the kept
 * bundle of the build the drill is pinned to (builds/<id>/), if there is one.
 */
/** No bundle here replayed the history: neither this build's nor a kept one of the build it is pinned to. */
export interface Unreplayable {
  record: undefined;
  replaysHere: false;
}

export async function recordFromHistory(
  client: Client,
  workflowId: string,
  pinnedTo?: string,
): Promise<StaleRecord | Unreplayable | undefined> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const completed = (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes);
  const last = completed.at(-1)?.eventTime?.seconds;
  if (last === undefined || last === null) return undefined;
  const kept = pinnedTo ? path.join(buildsDir(), pinnedTo, 'workflow-bundle.js') : undefined;
  const bundles = [workflowBundlePath(), kept].filter((b): b is string => Boolean(b) && existsSync(b as string));
  for (const bundle of bundles) {
    let record: DrillRecord | undefined;
    try {
      await Worker.runReplayHistory(
        {
          workflowBundle: { codePath: bundle },
          sinks: {
            drillbook: {
              recorded: { fn: (_info: unknown, value: DrillRecord) => void (record = value), callDuringReplay: true },
            },
          },
        },
        history,
        workflowId,
      );
    } catch {
      continue; // not this build's code: the next bundle, if any
    }
    if (record) return { record, asOf: new Date(Number(last) * 1000), replaysHere: bundle === workflowBundlePath() };
  }
  return bundles.length ? { record: undefined, replaysHere: false } : undefined;
}
