/**
 * The demo's people: two approvers answering every gate, the requester completing tasks, and a
 * failed step aborted (the demo does not retry). Every demo scenario follows its drills with it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { approve, completeTask, decide, drillStatus } from '../../src/drills';
import { type DrillRecord, FINAL_STATUSES, type PendingAction } from '../../domain';

export const REQUESTER = 'oncall';
export const APPROVERS = ['alice', 'bob'];

/** Follows the drill, printing each step as it ends, and answers its gates as the demo's people. */
export async function runDrill(
  client: Client,
  workflowId: string,
  beforeAnswer: (pending: PendingAction) => Promise<void>,
): Promise<DrillRecord> {
  const printed = new Set<string>();
  let answered = '';
  const deadline = Date.now() + 15 * 60_000;
  let record = await drillStatus(client, workflowId);
  while (Date.now() < deadline) {
    for (const step of record.steps) {
      const key = `${step.id}:${step.runs}:${step.status}`;
      if (['succeeded', 'failed', 'skipped', 'best-effort-failed'].includes(step.status) && !printed.has(key)) {
        printed.add(key);
        const took = step.startedAt && step.endedAt ? `${Date.parse(step.endedAt) - Date.parse(step.startedAt)}ms` : '';
        console.log(
          `  ${step.status === 'succeeded' ? '✓' : '✗'} [${step.phase}] ${step.title} (${took}) ${step.summary ?? step.error ?? ''}`,
        );
      }
    }
    if (FINAL_STATUSES.includes(record.status)) return record;
    const pending = record.pending;
    if (pending && `${pending.id}@${pending.since}` !== answered) {
      answered = `${pending.id}@${pending.since}`;
      await beforeAnswer(pending);
      await answer(client, workflowId, pending);
    }
    await sleep(250);
    record = await drillStatus(client, workflowId);
  }
  throw new Error(`the demo drill did not finish within 15 minutes; see drillbook status ${workflowId}`);
}

export async function answer(client: Client, workflowId: string, pending: PendingAction): Promise<void> {
  if (pending.kind === 'approval') {
    for (const by of APPROVERS.slice(0, pending.quorum)) {
      const result = await approve(client, workflowId, { by, gate: pending.id, comment: 'demo approval' });
      console.log(`   ${by}: ${result.message}`);
    }
  } else if (pending.kind === 'task') {
    const result = await completeTask(client, workflowId, {
      by: REQUESTER,
      taskId: pending.id,
      note: 'done in the demo lab',
    });
    console.log(`   ${REQUESTER}: ${result.message} (${pending.prompt})`);
  } else {
    console.log(`   a step failed: ${pending.error}; the demo aborts`);
    await decide(client, workflowId, {
      by: REQUESTER,
      decision: 'abort',
      reason: 'the demo does not retry failed steps',
    });
  }
}
