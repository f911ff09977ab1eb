/**
 * Parallel blocks in a real drill: three independent steps of one tier run at once, so the block
 * takes the time of the slowest, not the sum; and a step of a block that fails waits for an
 * operator's decision while its siblings finish and are recorded, the decision then resolving it.
 * Everything is read from the drill record's per-step start and end timestamps.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { decide, startDrill } from '../src/drills';
import { recordHistoryIfAsked } from './support/histories';
import { waitForPending, waitForRecord } from './support/operators';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { DrillRecord, StepRecord } from '../domain';

/** A plan of service components whose health checks are the given shell scripts, all of the app tier (one block). */
function planOf(target: string, checks: Record<string, { script: string; retries?: number }>): string {
  const components = Object.fromEntries(
    Object.entries(checks).map(([name, { script, retries }]) => {
      const health = { command: ['sh', '-c', script] };
      return [
        name,
        { kind: 'service', tier: 'app', ...(retries ? { retries } : {}), primary: { health }, secondary: { health } },
      ];
    }),
  );
  return stringify({
    target,
    platform: 'generic',
    sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
    approvals: { approvers: ['alice', 'bob'], operators: ['oncall'], quorum: 1, reminderAfter: '1h', timeout: '2h' },
    defaults: {
      retry: { maximumAttempts: 3, initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1s' },
      stepTimeout: '1m',
      heartbeatTimeout: '10s',
    },
    components,
  });
}
const ms = (iso: string | undefined): number => {
  if (!iso) throw new Error('timestamp missing from the record');
  return Date.parse(iso);
};
const healthStep = (record: DrillRecord, component: string): StepRecord => {
  const step = record.steps.find((s) => s.id === `preparation.${component}.health.primary`);
  if (!step) throw new Error(`no health step of ${component} in the record`);
  return step;
};

describe('parallel blocks', () => {
  let client: Client;
  let worker: RunningWorker;
  const queue = uniqueQueue('blocks');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-blocks-'));

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
  });

  it('runs a block of three independent steps in the time of the slowest, not the sum', async () => {
    const sleeps = { quick: 1, middle: 2, slow: 3 };
    const planYaml = planOf(
      'blocks-timing',
      Object.fromEntries(Object.entries(sleeps).map(([name, s]) => [name, { script: `sleep ${s}` }])),
    );
    const { workflowId } = await startDrill(client, queue, {
      target: 'blocks-timing',
      requestedBy: 'oncall',
      planYaml,
    });
    // After the health block the preparation phase asks a person to confirm the backups.
    const record = await waitForPending(client, workflowId, 'task', 'preparation.confirm-backups');

    const steps = Object.keys(sleeps).map((name) => healthStep(record, name));
    expect(steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const spans = steps.map((s) => ({ id: s.id, start: ms(s.startedAt), end: ms(s.endedAt) }));
    // Every pair overlaps: each started before the other ended.
    for (const a of spans)
      for (const b of spans)
        if (a !== b)
          expect({ a: a.id, b: b.id, overlap: a.start < b.end && b.start < a.end }).toEqual({
            a: a.id,
            b: b.id,
            overlap: true,
          });
    // Each took at least its sleep, so the record's timestamps are the steps' own.
    spans.forEach((span, i) => expect(span.end - span.start).toBeGreaterThanOrEqual(Object.values(sleeps)[i] * 1000));
    const blockMs = Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));
    const slowestMs = Math.max(...spans.map((s) => s.end - s.start));
    const sumMs = spans.reduce((sum, s) => sum + s.end - s.start, 0);
    // The block is as long as its slowest step, give or take orchestration (a second on a loaded machine), and far from the sum (6 s).
    expect(blockMs).toBeGreaterThanOrEqual(slowestMs);
    expect(blockMs).toBeLessThan(slowestMs + 1000);
    expect(blockMs).toBeLessThan(sumMs * 0.75);

    await client.workflow.getHandle(workflowId).cancel();
    await waitForRecord(client, workflowId, (r) => r.status === 'cancelled');
  });

  it('a failed step waits for a decision while its siblings finish and are recorded; retry then resolves it', async () => {
    const fixed = path.join(dir, 'fixed');
    const planYaml = planOf('blocks-decision', {
      // Fails at once (one attempt) until the file exists: the operator's retry then succeeds.
      flaky: { script: `echo "not fixed yet" >&2; test -f ${fixed}`, retries: 1 },
      sibling: { script: 'sleep 3' },
      other: { script: 'sleep 4' },
    });
    const { workflowId } = await startDrill(client, queue, {
      target: 'blocks-decision',
      requestedBy: 'oncall',
      planYaml,
    });
    const flakyId = 'preparation.flaky.health.primary';
    const asked = await waitForPending(client, workflowId, 'decision', flakyId);
    expect(healthStep(asked, 'flaky')).toMatchObject({ status: 'failed', attempts: 1 });

    // Nobody has decided yet, and the siblings run on to the end and are recorded.
    const siblingsDone = await waitForRecord(
      client,
      workflowId,
      (r) => ['sibling', 'other'].every((name) => healthStep(r, name).status === 'succeeded'),
      30_000,
    );
    expect(siblingsDone.pending).toMatchObject({ kind: 'decision', id: flakyId, since: asked.pending?.since });
    expect(siblingsDone.decisions).toEqual([]);
    const gateOpenedAt = ms(asked.pending?.since);
    for (const name of ['sibling', 'other']) {
      const sibling = healthStep(siblingsDone, name);
      // Started with the failed step, ended after its decision was asked: they ran while it waited.
      expect(ms(sibling.startedAt)).toBeLessThanOrEqual(ms(healthStep(asked, 'flaky').endedAt));
      expect(ms(sibling.endedAt)).toBeGreaterThan(gateOpenedAt);
    }
    // The decision holds the phase: the step after the block has not started.
    expect(siblingsDone.tasks).toEqual([]);

    writeFileSync(fixed, 'fixed by the operator\n');
    await decide(client, workflowId, { by: 'oncall', decision: 'retry', stepId: flakyId, reason: 'fixed the check' });
    const after = await waitForPending(client, workflowId, 'task', 'preparation.confirm-backups');
    const flaky = healthStep(after, 'flaky');
    expect(flaky).toMatchObject({ status: 'succeeded', runs: 2 });
    expect(flaky.previousRuns).toEqual([expect.objectContaining({ status: 'failed' })]);
    const decidedAt = ms(after.decisions[0]?.at);
    expect(after.decisions).toEqual([expect.objectContaining({ stepId: flakyId, decision: 'retry', by: 'oncall' })]);
    for (const name of ['sibling', 'other']) {
      const sibling = healthStep(after, name);
      expect(sibling).toMatchObject({ status: 'succeeded', runs: 1 });
      expect(ms(sibling.endedAt)).toBeLessThan(decidedAt);
    }
    expect(ms(flaky.startedAt)).toBeGreaterThanOrEqual(decidedAt);

    await client.workflow.getHandle(workflowId).cancel();
    await waitForRecord(client, workflowId, (r) => r.status === 'cancelled');
    await recordHistoryIfAsked(client, workflowId, 'block-sibling-finishes-during-decision');
  });
});
