/**
 * Evidence that belongs to one run: two drills of one target, back to back within a minute, on a
 * real worker and dev server, with a shared folder replicated by the lab's replicator (rsync every
 * 0.5 s, scripts/lab/replicate-shared.sh; the cheapest real lab that carries a canary across). Run
 * ids are UUIDv7, so two runs started within ~65 s share their first 8 hex digits, which was all a
 * canary name carried: the second drill found the first one's canary (and its lag) under its own
 * name and "proved" its RPO with it. Here each drill's canary names its whole run id, the second
 * drill writes and reads its own canary, and its verify step names it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { driveDrill } from './support/operators';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { DrillRecord, StepRecord } from '../domain';

jest.setTimeout(240_000);

const REPLICATE = path.join(ROOT, 'scripts', 'lab', 'replicate-shared.sh');

/** UUIDv7: the first 48 bits are the start time in ms. */
const startMsOf = (runId: string): number => parseInt(runId.replace(/-/g, '').slice(0, 12), 16);

describe('two drills of one target within a minute', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-canary-runs-'));
  const sites = { primary: path.join(dir, 'dc1'), secondary: path.join(dir, 'dc2') };
  const sourceFile = path.join(dir, 'source');
  const queue = uniqueQueue('canary-runs');
  let replicator: ChildProcess | undefined;
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;

  beforeAll(async () => {
    for (const site of Object.values(sites)) mkdirSync(site, { recursive: true });
    writeFileSync(sourceFile, 'primary\n');
    // Replicates from whichever site `sourceFile` names; the plan's activate commands turn it around.
    replicator = spawn('bash', [REPLICATE, sites.primary, sites.secondary, sourceFile, '0.5'], { stdio: 'ignore' });
    lab = await createStandinLab('canary-runs', (plan) => {
      plan.components.files = {
        kind: 'sharedStorage',
        canaryTimeout: '10s',
        primary: { path: sites.primary, activate: { command: ['sh', '-c', `echo primary > ${sourceFile}`] } },
        secondary: { path: sites.secondary, activate: { command: ['sh', '-c', `echo secondary > ${sourceFile}`] } },
      };
    });
    lab.appctl('start', 'primary');
    client = await testClient();
    worker = await startTestWorker(queue);
  });
  afterAll(async () => {
    lab?.stopAll();
    await worker?.stop();
    await client?.connection.close();
    if (replicator && replicator.exitCode === null) {
      const gone = new Promise((resolve) => replicator?.once('exit', resolve));
      replicator.kill('SIGTERM');
      await gone;
    }
  });

  async function drill(): Promise<{ runId: string; record: DrillRecord }> {
    const handle = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
      reason: 'per-run canary test',
    });
    const record = await driveDrill(client, handle.workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(record.status).toBe('succeeded');
    // The record says succeeded before the workflow has written its report and closed; the next start needs it closed.
    await handle.result();
    return { runId: (await handle.describe()).runId, record };
  }
  const step = (record: DrillRecord, id: string): StepRecord => {
    const found = record.steps.find((s) => s.id === id);
    if (!found) throw new Error(`no step ${id} in the record`);
    return found;
  };
  const canaryOf = (s: StepRecord) =>
    (s.facts as { canary: { key: string; drillId: string; writtenAt: string } }).canary;

  it('each drill writes, reads and proves its RPO with a canary named after its own whole run id', async () => {
    const first = await drill();
    const second = await drill();
    expect(second.runId).not.toBe(first.runId);
    // The danger was real: started within the same 2^16 ms, two runs share the 8 digits the names used to carry.
    if (Math.floor(startMsOf(first.runId) / 65_536) === Math.floor(startMsOf(second.runId) / 65_536)) {
      expect(second.runId.slice(0, 8)).toBe(first.runId.slice(0, 8));
    }
    expect(startMsOf(second.runId) - startMsOf(first.runId)).toBeLessThan(60_000);

    const guards = [first, second].map((d) => canaryOf(step(d.record, 'failover.files.guard.secondary')));
    // The second drill wrote its own canary, after it started, rather than finding the first's.
    expect(guards[1].key).not.toBe(guards[0].key);
    expect(Date.parse(guards[1].writtenAt)).toBeGreaterThanOrEqual(Date.parse(second.record.startedAt));
    expect(Date.parse(guards[1].writtenAt)).toBeGreaterThan(Date.parse(guards[0].writtenAt));
    expect(guards[0].key).toBe(`drill-canary-runs/${first.runId}:primary-to-secondary`);
    expect(guards[1].key).toBe(`drill-canary-runs/${second.runId}:primary-to-secondary`);

    // After the switch, the RPO evidence of the second drill is its own canary, named in its observation.
    const verify = step(second.record, 'failover-check.files.verify.secondary');
    expect(canaryOf(verify).key).toBe(guards[1].key);
    expect((verify.facts as { rpoEvidence: { canaryFound: boolean; detail: string } }).rpoEvidence).toMatchObject({
      canaryFound: true,
      detail: expect.stringContaining(`written on lab-dc1 (primary) at ${guards[1].writtenAt}`),
    });
    // The way back carried its own canary too, named after the same run.
    expect(canaryOf(step(second.record, 'failback.files.guard.primary')).key).toBe(
      `drill-canary-runs/${second.runId}:secondary-to-primary`,
    );
  });
});
