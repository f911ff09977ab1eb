/**
 * Durability: a drill survives a worker killed mid-step and a dev-server restart on the same
 * SQLite file, without running completed steps again.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDrill } from '../src/drills';
import { createActivities } from '../activities';
import { startDevServer } from '../src/temporal/server';
import { defaultActivityDeps, workflowSource } from '../src/worker';
import { driveDrill, waitForPending, waitForRecord } from './support/operators';
import { freePort } from './support/ports';
import { spawnWorker, type WorkerProcess } from './support/processes';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { quietRuntime, testClient, uniqueQueue } from './support/temporal';

const lines = (file: string): string[] => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('a drill survives', () => {
  beforeAll(() => quietRuntime());
  const labs: StandinLab[] = [];
  afterAll(() => labs.forEach((lab) => lab.stopAll()));

  it('its worker being killed during a long step: a new worker finishes it, completed steps are not run again', async () => {
    const queue = uniqueQueue('killed');
    const lab = await createStandinLab('killed-worker-lab', (plan) => {
      plan.defaults.heartbeatTimeout = '3s';
      const dir = plan.components.app.primary.stop.command.at(-1);
      plan.steps.push(
        {
          id: 'count-before',
          phase: 'preparation',
          segment: 'health',
          title: 'Count runs of the step before',
          command: ['sh', '-c', `echo ran >> ${dir}/before.log`],
        },
        {
          id: 'long-step',
          phase: 'preparation',
          segment: 'health',
          title: 'A long step',
          command: [
            'sh',
            '-c',
            `echo "started $(date +%s%N)" >> ${dir}/long.log; sleep 6; echo "finished $(date +%s%N)" >> ${dir}/long.log`,
          ],
        },
      );
    });
    labs.push(lab);
    lab.appctl('start', 'primary');
    const client = await testClient();
    let worker: WorkerProcess = spawnWorker(queue, lab.dir);
    try {
      const { workflowId } = await startDrill(client, queue, {
        target: lab.target,
        requestedBy: 'oncall',
        planYaml: lab.planYaml,
      });
      await waitForRecord(
        client,
        workflowId,
        (r) => r.steps.find((s) => s.id === 'preparation.long-step')?.status === 'running',
      );
      await waitForRecord(client, workflowId, () =>
        lines(path.join(lab.dir, 'long.log')).some((l) => l.startsWith('started')),
      );
      await worker.kill();
      expect(lines(path.join(lab.dir, 'long.log')).map((l) => l.split(' ')[0])).toEqual(['started']);

      worker = spawnWorker(queue, lab.dir);
      await waitForPending(client, workflowId, 'task', undefined, 60_000);
      const record = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });

      expect(record.status).toBe('succeeded');
      expect(lines(path.join(lab.dir, 'before.log'))).toEqual(['ran']);
      // The killed worker's own command outlived it (a SIGKILLed Node process cannot take its children
      // along). The next attempt found it and waited for it to end: the two runs never overlapped.
      const long = lines(path.join(lab.dir, 'long.log')).map((l) => l.split(' ')) as [string, string][];
      expect(long.map(([what]) => what)).toEqual(['started', 'finished', 'started', 'finished']);
      expect(BigInt(long[2][1])).toBeGreaterThanOrEqual(BigInt(long[1][1]));
      const step = record.steps.find((s) => s.id === 'preparation.long-step');
      expect(step).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(step?.summary).toMatch(
        /found the previous attempt's process group \d+ .* still running after its worker died; waited \d+\.\d s for it to end/,
      );
      expect(record.steps.find((s) => s.id === 'preparation.count-before')).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        runs: 1,
      });
    } finally {
      await worker.stop();
      await client.connection.close();
    }
  });

  it('its worker being killed during a read-only check run as a local activity: a new worker checks again and the drill goes on', async () => {
    const queue = uniqueQueue('killed-local');
    const lab = await createStandinLab('killed-local-lab', (plan) => {
      const dir = plan.components.app.primary.stop.command.at(-1);
      plan.steps.push({
        id: 'slow-check',
        phase: 'preparation',
        segment: 'health',
        title: 'A slow read-only check',
        readOnly: true,
        timeout: '8s',
        command: ['sh', '-c', `echo started >> ${dir}/check.log; sleep 4; echo finished >> ${dir}/check.log`],
      });
    });
    labs.push(lab);
    lab.appctl('start', 'primary');
    const client = await testClient();
    let worker: WorkerProcess = spawnWorker(queue, lab.dir);
    try {
      const { workflowId } = await startDrill(client, queue, {
        target: lab.target,
        requestedBy: 'oncall',
        planYaml: lab.planYaml,
      });
      // Watched in the file, not through the status query: a query waits for the workflow task, which a local activity holds.
      for (let i = 0; i < 300 && !lines(path.join(lab.dir, 'check.log')).includes('started'); i++) await sleep(100);
      expect(lines(path.join(lab.dir, 'check.log'))).toEqual(['started']);
      await worker.kill();
      const killedAt = Date.now();

      worker = spawnWorker(queue, lab.dir);
      // A local activity has no heartbeat: the dead worker's workflow task times out (10 s), then the new worker checks again.
      const record = await waitForPending(client, workflowId, 'task', 'preparation.confirm-backups', 60_000);
      expect(Date.now() - killedAt).toBeLessThan(40_000);
      expect(record.steps.find((s) => s.id === 'preparation.slow-check')).toMatchObject({
        status: 'succeeded',
        runs: 1,
      });
      expect(lines(path.join(lab.dir, 'check.log')).filter((l) => l === 'started')).toHaveLength(2);
    } finally {
      await worker.stop();
      await client.connection.close();
    }
  });

  it('the dev server restarting on the same SQLite file mid-drill', async () => {
    const lab = await createStandinLab('server-restart-lab');
    labs.push(lab);
    lab.appctl('start', 'primary');
    const port = await freePort();
    const dbFile = path.join(lab.dir, 'temporal.db');
    const logFile = path.join(lab.dir, 'temporal.log');
    let server = await startDevServer({ port, headless: true, dbFile, logFile });
    const queue = uniqueQueue('restart');
    const startWorker = async () => {
      const connection = await NativeConnection.connect({ address: server.address });
      const worker = await Worker.create({
        connection,
        taskQueue: queue,
        ...workflowSource(),
        activities: createActivities(defaultActivityDeps()),
      });
      return { worker, running: worker.run(), connection };
    };
    let running = await startWorker();
    let connection = await Connection.connect({ address: server.address });
    let client = new Client({ connection });
    try {
      const { workflowId } = await startDrill(client, queue, {
        target: lab.target,
        requestedBy: 'oncall',
        planYaml: lab.planYaml,
      });
      const before = await driveDrill(client, workflowId, {
        approvers: ['alice', 'bob'],
        operator: 'oncall',
        stopAt: 'approve-failover',
      });
      const doneBefore = before.steps.filter((s) => s.status === 'succeeded').map((s) => s.id);
      expect(doneBefore.length).toBeGreaterThan(3);

      // Everything goes down: worker, client and server; the server comes back on the same file.
      running.worker.shutdown();
      await running.running;
      await running.connection.close();
      await connection.close();
      await server.stop();
      server = await startDevServer({ port, headless: true, dbFile, logFile });
      running = await startWorker();
      connection = await Connection.connect({ address: server.address });
      client = new Client({ connection });

      const resumed = await waitForPending(client, workflowId, 'approval', 'approve-failover');
      expect(resumed.steps.filter((s) => s.status === 'succeeded').map((s) => s.id)).toEqual(doneBefore);
      const record = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
      expect(record.status).toBe('succeeded');
      expect(record.steps.every((s) => s.status === 'succeeded' && s.runs === 1)).toBe(true);
    } finally {
      running.worker.shutdown();
      await running.running.catch(() => undefined);
      await running.connection.close();
      await connection.close();
      await server.stop();
    }
  });
});
