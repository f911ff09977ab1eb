/**
 * A drill stays visible while its worker is down: `status` of a drill whose only worker was
 * SIGKILLed a moment ago prints the record from history, marked stale with its age, instead of an
 * error; an approval sent then is handed over and taken when a worker is back; a new worker takes
 * the drill and the view is live again.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { approve, drillView, startDrill } from '../src/drills';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill, waitForRecord } from './support/operators';
import { spawnWorker, type WorkerProcess } from './support/processes';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { address, quietRuntime, testClient, uniqueQueue } from './support/temporal';

const run = promisify(execFile);

describe('status and approvals while the only worker is down', () => {
  let client: Client;
  let lab: StandinLab;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    quietRuntime();
    client = await testClient();
    lab = await createStandinLab('stale-lab');
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    lab?.stopAll();
    await client?.connection.close();
  });

  it('shows the record from history marked stale, hands an approval over, and is live again once a worker is back', async () => {
    const queue = uniqueQueue('stale');
    const first = spawnWorker(queue, lab.dir);
    workers.push(first);
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await driveDrill(client, workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      stopAt: 'approve-pre-reboot',
    });
    await first.kill();

    const stale = await drillView(client, workflowId);
    expect(stale.live).toBe(false);
    expect(stale.record.pending?.id).toBe('approve-pre-reboot');
    expect(stale.note).toMatch(/no worker answered/);
    expect(Date.now() - (stale.asOf as Date).getTime()).toBeLessThan(60_000);

    // The CLI prints the same, marked as stale, and exits 0.
    const env = { ...process.env, TEMPORAL_ADDRESS: address(), DRILLBOOK_TASK_QUEUE: queue };
    const cli = await run(
      process.execPath,
      [path.join(ROOT, 'dist', 'src', 'cli.js'), 'status', workflowId, '--once'],
      { env },
    );
    expect(cli.stdout).toMatch(/^STALE: no worker answered/);
    expect(cli.stdout).toContain('approve-pre-reboot');

    const answer = await approve(client, workflowId, { by: 'alice', comment: 'approved while the worker was down' });
    expect(answer.accepted).toBe(false);
    expect(answer.message).toMatch(/recorded in the drill's history and will be acted on when a worker is back/);

    // While no worker runs, status says the approval is recorded and waits for one.
    const waiting = await drillView(client, workflowId);
    expect(waiting.note).toMatch(/Recorded and waiting for a worker: approve at /);

    const spawnedAt = Date.now();
    workers.push(spawnWorker(queue, lab.dir));
    const live = await waitForLive(client, workflowId, 30_000);
    console.log(`status live again ${Date.now() - spawnedAt} ms after the new worker process was spawned`);
    expect(live.record.approvals.filter((a) => a.gate === 'approve-pre-reboot' && a.by === 'alice')).toEqual([
      expect.objectContaining({ via: 'cli' }),
    ]);
    const done = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(done.status).toBe('succeeded');
    await waitForRecord(client, workflowId, (r) => r.status === 'succeeded');
    await recordHistoryIfAsked(client, workflowId, 'approval-while-worker-down');
  });
});

async function waitForLive(client: Client, workflowId: string, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (let attempt = 0; attempt < 100 && Date.now() < deadline; attempt++) {
    const view = await drillView(client, workflowId);
    if (view.live) return view;
  }
  throw new Error(`${workflowId} was not live again within ${withinMs} ms`);
}
