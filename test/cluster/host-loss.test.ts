/**
 * Drills on a Temporal cluster that loses hosts (issue 22): the project's own cluster
 * (src/temporal/cluster.ts: PostgreSQL, frontend, two history hosts over 4 shards, matching, the
 * internal worker; mutual TLS), a `drillbook worker` process and the stand-in app's lab plan (the
 * stand-in TIP app of lab/, not a real platform). While a step runs, a history host is SIGKILLed (its
 * shards move to the other), matching is restarted, the frontend is restarted (the worker and the
 * client reconnect). The drill must finish, and no destructive step may run twice: each step's command
 * writes a line when it starts and when it ends, and the record counts its attempts and runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { DrillRecord } from '../../domain';
import { startDrill } from '../../src/drills';
import type { Cluster, ClusterService } from '../../src/temporal/cluster';
import { startTestCluster } from '../support/cluster';
import { driveDrill, waitForRecord } from '../support/operators';
import { spawnWorker, type WorkerProcess } from '../support/processes';
import { createStandinLab, type StandinLab } from '../support/standinLab';
import { quietRuntime, testClient, uniqueQueue } from '../support/temporal';

const lines = (file: string): string[] => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** Polls a step's log until `line` is in it; the command writes it, there is nothing else to await. */
async function waitForLine(file: string, line: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (lines(file).includes(line)) return;
    await sleep(100);
  }
  throw new Error(`no "${line}" in ${file} within ${timeoutMs} ms: ${JSON.stringify(lines(file))}`);
}

/** A fault done to the cluster while a step's command runs, named for the test's messages. */
interface Fault {
  step: string;
  what: string;
  during(cluster: Cluster): Promise<void>;
  /** After the step's end was recorded: the host back, so the next fault never finds the cluster short of two. */
  after(cluster: Cluster): Promise<void>;
}

const killHistory = (index: number): Fault => ({
  step: `lose-history-${index}`,
  what: `history host ${index} SIGKILLed`,
  during: (cluster) => cluster.kill('history', index),
  after: (cluster) => cluster.restart('history', index),
});
const restart = (service: ClusterService): Fault => ({
  step: `restart-${service}`,
  what: `${service} restarted`,
  during: (cluster) => cluster.restart(service),
  after: async () => undefined,
});

/** A lab whose preparation has one slow destructive step per fault, each writing `<dir>/<step>.log`. */
async function faultLab(target: string, faults: Fault[]): Promise<StandinLab> {
  return createStandinLab(target, (plan) => {
    const dir = plan.components.app.primary.stop.command.at(-1);
    // Longer than a shard's handover: a lost history host's shards move to the other, whose timer
    // queue then fires every heartbeat timeout that fell due meanwhile. The lab plan's 2 s (set for a
    // 3 s resume on the dev server) ran a step whose worker lived a second time here; the default,
    // 30 s, does not. This test proves the default.
    plan.defaults.heartbeatTimeout = '30s';
    for (const fault of faults)
      plan.steps.push({
        id: fault.step,
        phase: 'preparation',
        segment: 'health',
        title: `A step while ${fault.what}`,
        // Long enough for the fault to land inside it: a SIGKILL is instant, a restart takes seconds.
        command: [
          'sh',
          '-c',
          `echo started >> ${dir}/${fault.step}.log; sleep 8; echo finished >> ${dir}/${fault.step}.log`,
        ],
      });
  });
}

describe('a drill on the Temporal cluster', () => {
  let cluster: Cluster | undefined;
  let client: Client | undefined;
  const labs: StandinLab[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    quietRuntime();
    cluster = await startTestCluster('host-loss');
    client = await testClient();
  }, 240_000);

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    for (const lab of labs) lab.stopAll();
    await client?.connection.close();
    await cluster?.stop();
  }, 120_000);

  async function drillThrough(target: string, faults: Fault[]): Promise<{ record: DrillRecord; lab: StandinLab }> {
    const c = client as Client;
    const lab = await faultLab(target, faults);
    labs.push(lab);
    lab.appctl('start', 'primary');
    const queue = uniqueQueue(target);
    const worker = spawnWorker(queue, lab.dir);
    workers.push(worker);
    await worker.ready();
    const { workflowId } = await startDrill(c, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    for (const fault of faults) {
      const log = path.join(lab.dir, `${fault.step}.log`);
      await waitForLine(log, 'started', 120_000);
      await fault.during(cluster as Cluster);
      await waitForLine(log, 'finished', 60_000);
      const finishedAt = Date.now();
      // Not stalled: the step's end reaches the record within a minute of its command's, while a lost
      // history host is still down (so its shards, the drill's among them, have moved to the other).
      const done = await waitForRecord(
        c,
        workflowId,
        (r) => r.steps.find((s) => s.id === `preparation.${fault.step}`)?.status === 'succeeded',
        60_000,
      );
      console.log(
        `${fault.what}: the step's end was recorded ${Date.now() - finishedAt} ms after its command's (at most)`,
      );
      await fault.after(cluster as Cluster);
      expect(done.status).not.toBe('failed');
    }
    const record = await driveDrill(c, workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      timeoutMs: 240_000,
    });
    return { record, lab };
  }

  function expectEachStepOnce(record: DrillRecord, lab: StandinLab, faults: Fault[]): void {
    expect(record.status).toBe('succeeded');
    for (const fault of faults) {
      expect({ step: fault.step, log: lines(path.join(lab.dir, `${fault.step}.log`)) }).toEqual({
        step: fault.step,
        log: ['started', 'finished'],
      });
      expect(record.steps.find((s) => s.id === `preparation.${fault.step}`)).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        runs: 1,
      });
    }
    // Every destructive step of the runbook (the app's stop and start on each site among them) ran once.
    const destructive = record.steps.filter((s) => s.destructive && s.status !== 'skipped');
    expect(destructive.length).toBeGreaterThan(faults.length);
    for (const step of destructive) expect({ id: step.id, runs: step.runs }).toEqual({ id: step.id, runs: 1 });
  }

  it('succeeds while each history host in turn is SIGKILLed mid-step (its shards move); no destructive step runs twice', async () => {
    // Both hosts, one after the other: whichever owns the drill's shard is lost once.
    const faults = [killHistory(0), killHistory(1)];
    const { record, lab } = await drillThrough('history-loss-lab', faults);
    expectEachStepOnce(record, lab, faults);
  }, 600_000);

  it('succeeds while matching, then the frontend, restart mid-step (the worker and the client reconnect)', async () => {
    const faults = [restart('matching'), restart('frontend')];
    const { record, lab } = await drillThrough('restarts-lab', faults);
    expectEachStepOnce(record, lab, faults);
  }, 600_000);
});
