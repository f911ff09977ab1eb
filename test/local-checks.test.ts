/**
 * Short read-only checks run as local activities (no round trip through the server's task queues):
 * a component's command health check and a plan step marked readOnly leave a local-activity marker in
 * the drill's history, not an activity task; a step that may change something stays an activity.
 * The record keeps their real start and end, retries and a failure's decision work as for any step.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { decide, startDrill } from '../src/drills';
import { recordHistoryIfAsked } from './support/histories';
import { waitForPending } from './support/operators';
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
      defaults: { retry: { maximumAttempts: 2, initialInterval: '100ms', backoffCoefficient: 1, maximumInterval: '100ms' }, stepTimeout: '5s', heartbeatTimeout: '10s' },
      components: { app: { kind: 'service', primary: { health: { command: ['sh', '-c', 'sleep 0.3'] } }, secondary: { health: { command: ['true'] } } } },
      steps: [
        { id: 'smoke', phase: 'preparation', segment: 'health', title: 'A read-only smoke test that fails until fixed', readOnly: true, command: ['sh', '-c', `echo "smoke failed" >&2; test -f ${fixed}`] },
        { id: 'write', phase: 'preparation', segment: 'health', title: 'A step that writes', command: ['sh', '-c', `echo ran >> ${dir}/write.log`] },
      ],
    });
    const { workflowId } = await startDrill(client, queue, { target: 'local-checks', requestedBy: 'oncall', planYaml });
    const step = (r: DrillRecord, id: string) => r.steps.find((s) => s.id === id);

    // The read-only smoke test fails its two (local) attempts and waits for a decision, as any step does.
    const failed = await waitForPending(client, workflowId, 'decision', 'preparation.smoke');
    expect(step(failed, 'preparation.smoke')).toMatchObject({ status: 'failed', attempts: 2, error: expect.stringContaining('smoke failed') });
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
    const json = (data: Uint8Array | null | undefined): Record<string, unknown> => JSON.parse(Buffer.from(data ?? []).toString('utf8')) as Record<string, unknown>;
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
});
