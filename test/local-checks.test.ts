/**
 * Short read-only checks run as local activities (no round trip through the server's task queues):
 * a component's command health check and a plan step marked readOnly leave a local-activity marker in
 * the drill's history, not an activity task; a step that may change something stays an activity.
 * The record keeps their real start and end, retries and a failure's decision work as for any step.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { decide, pause, resume, startDrill } from '../src/drills';
import { recordHistoryIfAsked } from './support/histories';
import { waitForPending, waitForRecord } from './support/operators';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { DrillRecord } from '../domain';

describe('short read-only checks', () => {
  let client: Client;
  let worker: RunningWorker;
  const queue = uniqueQueue('local-checks');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-local-checks-'));

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
  });

  it('run as local activities with their real times; other steps stay activities', async () => {
    const fixed = path.join(dir, 'fixed');
    const planYaml = stringify({
      target: 'local-checks',
      platform: 'generic',
      sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
      approvals: { approvers: ['alice', 'bob'], operators: ['oncall'], quorum: 1, reminderAfter: '1h', timeout: '2h' },
      defaults: {
        retry: { maximumAttempts: 2, initialInterval: '100ms', backoffCoefficient: 1, maximumInterval: '100ms' },
        stepTimeout: '5s',
        heartbeatTimeout: '10s',
      },
      components: {
        app: {
          kind: 'service',
          primary: { health: { command: ['sh', '-c', 'sleep 0.3'] } },
          secondary: { health: { command: ['true'] } },
        },
      },
      steps: [
        {
          id: 'smoke',
          phase: 'preparation',
          segment: 'health',
          title: 'A read-only smoke test that fails until fixed',
          readOnly: true,
          command: ['sh', '-c', `echo "smoke failed" >&2; test -f ${fixed}`],
        },
        {
          id: 'write',
          phase: 'preparation',
          segment: 'health',
          title: 'A step that writes',
          command: ['sh', '-c', `echo ran >> ${dir}/write.log`],
        },
      ],
    });
    const { workflowId } = await startDrill(client, queue, { target: 'local-checks', requestedBy: 'oncall', planYaml });
    const step = (r: DrillRecord, id: string) => r.steps.find((s) => s.id === id);

    // The read-only smoke test fails its two (local) attempts and waits for a decision, as any step does.
    const failed = await waitForPending(client, workflowId, 'decision', 'preparation.smoke');
    expect(step(failed, 'preparation.smoke')).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: expect.stringContaining('smoke failed'),
    });
    writeFileSync(fixed, 'fixed\n');
    await decide(client, workflowId, { by: 'oncall', decision: 'retry', stepId: 'preparation.smoke', reason: 'fixed' });
    const record = await waitForPending(client, workflowId, 'task', 'preparation.confirm-backups');

    const health = step(record, 'preparation.app.health.primary');
    expect(health?.status).toBe('succeeded');
    // Workflow time advances with a local activity: the record shows the 0.3 s the check took.
    expect(Date.parse(health?.endedAt ?? '') - Date.parse(health?.startedAt ?? '')).toBeGreaterThanOrEqual(300);
    expect(step(record, 'preparation.smoke')).toMatchObject({ status: 'succeeded', runs: 2 });
    expect(step(record, 'preparation.write')?.status).toBe('succeeded');

    // What the history says ran where: step ids of activity tasks, and local-activity markers.
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const json = (data: Uint8Array | null | undefined): Record<string, unknown> =>
      JSON.parse(Buffer.from(data ?? []).toString('utf8')) as Record<string, unknown>;
    const activitySteps = events
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'runCommand')
      .map((a) => (json(a?.input?.payloads?.[0]?.data).step as { id: string }).id);
    const localTypes = events
      .map((e) => e.markerRecordedEventAttributes)
      .filter((m) => m?.markerName === 'core_local_activity')
      .map((m) => json(m?.details?.data?.payloads?.[0]?.data).activity_type);
    expect(activitySteps).toEqual(['preparation.write']);
    // The health check once, the smoke test twice (its failed run, one marker for both attempts, and the retried run).
    expect(localTypes).toEqual(['runCommand', 'runCommand', 'runCommand']);

    await client.workflow.getHandle(workflowId).cancel();
    await recordHistoryIfAsked(client, workflowId, 'local-read-only-checks');
  });

  it('a pause asked during a run of local checks holds after them, before the next step that changes anything', async () => {
    const ran = path.join(dir, 'checks.log');
    const after = path.join(dir, 'after.log');
    const checks = Array.from({ length: 8 }, (_, i) => ({
      id: `check-${i}`,
      phase: 'preparation',
      segment: 'health',
      title: `Read-only check ${i}`,
      readOnly: true,
      timeout: '5s',
      command: ['sh', '-c', `echo ${i} >> ${ran}; sleep 0.2`],
    }));
    const planYaml = stringify({
      target: 'local-checks-pause',
      platform: 'generic',
      sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
      approvals: { approvers: ['alice', 'bob'], operators: ['oncall'], quorum: 1, reminderAfter: '1h', timeout: '2h' },
      components: {
        app: {
          kind: 'service',
          primary: { health: { command: { argv: ['true'], timeout: '5s' } } },
          secondary: { health: { command: ['true'] } },
        },
      },
      steps: [
        ...checks,
        {
          id: 'after',
          phase: 'preparation',
          segment: 'health',
          title: 'A step that writes',
          command: ['sh', '-c', `echo ran >> ${after}`],
        },
      ],
    });
    const { workflowId } = await startDrill(client, queue, {
      target: 'local-checks-pause',
      requestedBy: 'oncall',
      planYaml,
    });
    // Watched in the file: the status query waits for the workflow task the local checks hold.
    const count = () => (existsSync(ran) ? readFileSync(ran, 'utf8').trim().split('\n').length : 0);
    for (let i = 0; i < 300 && count() < 2; i++) await sleep(50);
    expect(count()).toBeGreaterThanOrEqual(2);
    expect(count()).toBeLessThan(8);

    // The pause is taken once the run of checks ends (the update waits for it, ~1.5 s here).
    const answer = await pause(client, workflowId, { by: 'oncall', reason: 'hold on' });
    expect(answer.accepted).toBe(true);
    const held = await waitForRecord(client, workflowId, (r) => r.status === 'paused');
    expect(checks.every((c) => held.steps.find((s) => s.id === `preparation.${c.id}`)?.status === 'succeeded')).toBe(
      true,
    );
    expect(held.steps.find((s) => s.id === 'preparation.after')?.status).toBe('pending');
    expect(existsSync(after)).toBe(false);

    await resume(client, workflowId, { by: 'alice' });
    await waitForRecord(
      client,
      workflowId,
      (r) => r.steps.find((s) => s.id === 'preparation.after')?.status === 'succeeded',
    );
    expect(existsSync(after)).toBe(true);
    await client.workflow.getHandle(workflowId).cancel();
  });
});
