/** Plays the people around a drill: waits for what it asks and answers as the plan's approvers. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { approve, completeTask, drillStatus } from '../../src/drills';
import { type DrillRecord, FINAL_STATUSES, type PendingKind } from '../../domain';

/** Polls the drill's status until `predicate` holds; bounded by time. */
export async function waitForRecord(
  client: Client,
  id: string,
  predicate: (r: DrillRecord) => boolean,
  timeoutMs = 60_000,
): Promise<DrillRecord> {
  const deadline = Date.now() + timeoutMs;
  let last: DrillRecord | undefined;
  while (Date.now() < deadline) {
    try {
      last = await drillStatus(client, id);
      if (predicate(last)) return last;
    } catch {
      // The workflow may not have had its first task yet.
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting on ${id}; last status ${last?.status}, pending ${JSON.stringify(last?.pending)}`);
}

export const waitForPending = (client: Client, id: string, kind: PendingKind, gate?: string, timeoutMs?: number) =>
  waitForRecord(client, id, (r) => r.pending?.kind === kind && (!gate || r.pending.id === gate), timeoutMs);

/**
 * Answers every gate until the drill ends: approvals by `approvers` (up to the quorum), tasks by
 * `operator`. Stops early at `stopAt` (a gate id) and returns the record there.
 */
export async function driveDrill(
  client: Client,
  id: string,
  options: {
    approvers: string[];
    operator: string;
    stopAt?: string;
    timeoutMs?: number;
    onGate?: (r: DrillRecord) => Promise<void>;
  },
): Promise<DrillRecord> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    const record = await waitForRecord(
      client,
      id,
      (r) => FINAL_STATUSES.includes(r.status) || r.pending !== null,
      deadline - Date.now(),
    );
    if (FINAL_STATUSES.includes(record.status) || !record.pending) return record;
    const pending = record.pending;
    if (options.stopAt === pending.id) return record;
    await options.onGate?.(record);
    if (pending.kind === 'approval') {
      for (const by of options.approvers
        .filter((a) => !pending.approvedBy.includes(a))
        .slice(0, pending.quorum - pending.approvedBy.length)) {
        await approve(client, id, { by, gate: pending.id, comment: 'test approval' });
      }
    } else if (pending.kind === 'task') {
      await completeTask(client, id, { by: options.operator, taskId: pending.id, note: 'done by the test' });
    } else {
      return record;
    }
    await waitForRecord(client, id, (r) => r.pending?.id !== pending.id || r.pending.since !== pending.since, 30_000);
  }
  throw new Error(`drill ${id} did not end within the test's time`);
}
