/**
 * "Nothing happens now" as an event rather than a pause: a workflow is parked when its last workflow
 * task completed by starting a timer, and no activity or workflow task is pending. From then on only
 * that timer or a message can move it, so a test that checks "it did not go on" checks it for the
 * right reason, not because it looked too early.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';

export interface Parked {
  /** How long the timer the workflow waits on runs (the next thing that would wake it). */
  timerMs: number;
}

export async function parkedOnTimer(client: Client, workflowId: string, timeoutMs = 30_000): Promise<Parked> {
  const handle = client.workflow.getHandle(workflowId);
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing yet';
  while (Date.now() < deadline) {
    const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    const timer = history.events?.at(-1)?.timerStartedEventAttributes;
    const busy = (description.raw.pendingActivities?.length ?? 0) > 0 || Boolean(description.raw.pendingWorkflowTask);
    if (timer && !busy) return { timerMs: tsToMs(timer.startToFireTimeout) };
    seen = `last event ${Object.keys(history.events?.at(-1) ?? {}).find((k) => k.endsWith('Attributes')) ?? 'none'}, ${busy ? 'work pending' : 'no work pending'}`;
    // The server pushes no "idle" notice: ask again shortly (bounded by the deadline).
    await sleep(100);
  }
  throw new Error(`${workflowId} did not park on a timer within ${timeoutMs} ms (${seen})`);
}
