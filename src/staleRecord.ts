/**
 * A drill's record when no worker can answer its status query (its only worker died a moment ago):
 * the drill's history, replayed here with the workflow bundle, gives the record as of the last
 * completed workflow task. Marked stale with its age, never shown as live.
 */
import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { workflowBundlePath } from './config';
import type { DrillRecord } from '../domain';

export interface StaleRecord {
  record: DrillRecord;
  /** When the last workflow task completed: the record is as of then. */
  asOf: Date;
}

export async function recordFromHistory(client: Client, workflowId: string): Promise<StaleRecord | undefined> {
  const bundle = workflowBundlePath();
  if (!existsSync(bundle)) return undefined;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const completed = (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes);
  const last = completed.at(-1)?.eventTime?.seconds;
  let record: DrillRecord | undefined;
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: bundle }, sinks: { drillbook: { recorded: { fn: (_info: unknown, value: DrillRecord) => void (record = value), callDuringReplay: true } } } },
    history,
    workflowId,
  );
  if (!record || last === undefined || last === null) return undefined;
  return { record, asOf: new Date(Number(last) * 1000) };
}
