/**
 * The ThreatConnect lab as a new user brings it up: `npx drillbook lab up`, `plan check
 * plans/lab.yaml`, a full drill of that plan (a test worker, two approvers), `lab down`. The stand-in
 * app must be started exactly as the plan's start commands start it (its ThreatConnect personality,
 * database and API user), or the drill stops at its first TIP check ("GET /api/v3/security/owners
 * answered 404"). Both start it through scripts/lab/app.sh, the one place its arguments live.
 *
 * This test uses the lab's fixed ports (3316/3326, 5433/5434, 9200/9201, 18081/18082) and its fixed
 * folder data/lab, as `npm run demo` does, so it holds the lock every lab user takes
 * (/tmp/drillbook-lab.lock, the one `flock /tmp/drillbook-lab.lock npm run demo` takes) for as long as
 * the lab is up: a demo or another lab test waits instead of meeting a half-drilled lab.
 * What the stand-in does not prove: it is not ThreatConnect; the drill's TIP checks prove they
 * agree with the lab's app, not with a real ThreatConnect (see README "TIP profiles").
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { driveDrill } from './support/operators';
import { ROOT } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

jest.setTimeout(1_500_000);

const run = promisify(execFile);
const LAB_LOCK = '/tmp/drillbook-lab.lock';
const drillbook = (...args: string[]) => run('npx', ['--no-install', 'drillbook', ...args], { cwd: ROOT, timeout: 600_000, maxBuffer: 8 << 20 });

/** Holds the labs' lock until released: flock keeps it while its child (cat, reading our stdin) lives. */
async function holdLabLock(): Promise<{ release(): Promise<void> }> {
  const holder: ChildProcessWithoutNullStreams = spawn('flock', ['-w', '1200', LAB_LOCK, 'sh', '-c', 'echo held; exec cat >/dev/null'], { stdio: 'pipe' });
  const exited = new Promise<number | null>((resolve) => holder.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve());
    holder.once('error', reject);
    void exited.then((code) => reject(new Error(`flock ${LAB_LOCK} gave up (exit ${code}): another lab user held it for 20 minutes`)));
  });
  return {
    async release() {
      holder.stdin.end();
      await exited;
    },
  };
}

describe('npx drillbook lab up, then a full drill of plans/lab.yaml', () => {
  let client: Client;
  let worker: RunningWorker;
  let lock: { release(): Promise<void> } | undefined;
  const queue = uniqueQueue('lab-cli');

  beforeAll(async () => {
    lock = await holdLabLock();
    client = await testClient();
    worker = await startTestWorker(queue, { reportsDir: mkdtempSync(path.join(os.tmpdir(), 'drillbook-lab-cli-')) });
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await drillbook('lab', 'down').catch((error: Error) => console.error(`lab down failed: ${error.message}`));
    await lock?.release();
  });

  it('comes up with the app the plan starts, passes plan check, and drills to the end', async () => {
    const up = await drillbook('lab', 'up');
    expect(up.stdout).toMatch(/app on primary (started|already running)/);
    const status = await drillbook('lab', 'status');
    expect(status.stdout).toMatch(/^app +primary +up +http:\/\/127\.0\.0\.1:18081 .*"site":"primary".*"writable":true/m);

    const check = await drillbook('plan', 'check', 'plans/lab.yaml');
    expect(check.stdout).toMatch(/plans\/lab\.yaml: ok \(target lab;/);

    const planYaml = readFileSync(path.join(ROOT, 'plans', 'lab.yaml'), 'utf8');
    const handle = await startDrill(client, queue, { target: 'lab', requestedBy: 'oncall', planYaml, reason: 'lab-cli test' });
    const record = await driveDrill(client, handle.workflowId, { approvers: ['alice', 'bob'], operator: 'oncall', timeoutMs: 1_200_000 });
    const failed = record.steps.filter((s) => s.status !== 'succeeded').map((s) => `${s.id}: ${s.status} ${s.error ?? s.summary ?? ''}`);
    expect(failed).toEqual([]);
    expect(record.status).toBe('succeeded');
    // The ThreatConnect profile's checks spoke to the app lab up started, on both sites in turn.
    const tip = record.steps.filter((s) => s.action.startsWith('tip'));
    expect(tip.filter((s) => s.action === 'tipHealth').map((s) => `${s.phase} ${s.site} ${s.status}`)).toEqual(
      expect.arrayContaining(['check primary succeeded', 'failover-check secondary succeeded', 'failback-check primary succeeded']),
    );
  });
});
