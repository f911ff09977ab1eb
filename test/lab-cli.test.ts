/**
 * The labs as a new user brings them up: `npx drillbook lab up`, `plan check plans/lab.yaml`, a full
 * drill of that plan (a test worker, two approvers), `lab down`; then the same for the MISP lab. A
 * stand-in must be started exactly as the plan's start commands start it (its personality, database
 * and API user), or the drill stops at its first TIP check ("GET /api/v3/security/owners answered
 * 404"). The plan and `lab up` both start it through the lab script (scripts/lab/app.sh,
 * scripts/lab/misp.sh), the one place its arguments live. The OpenCTI lab (a Kubernetes control
 * plane per site) is drilled by `npm run demo -- --platform opencti`, not here: its stand-in runs
 * for as long as the lab does and has no start command in the plan.
 *
 * This test uses the labs' fixed ports (3316/3326, 5433/5434, 9200/9201, 18081/18082; 25080-25326)
 * and fixed folders data/lab and data/lab-misp, as `npm run demo` does, so it holds the lock every lab user takes
 * (/tmp/drillbook-lab.lock, the one `flock /tmp/drillbook-lab.lock npm run demo` takes) for as long as
 * the lab is up: a demo or another lab test waits instead of meeting a half-drilled lab.
 * What the stand-ins do not prove: they are not ThreatConnect or MISP; the drills' TIP checks prove
 * they agree with the lab's stand-ins, not with a real platform (see README "TIP profiles").
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
import type { DrillRecord } from '../domain';

jest.setTimeout(1_500_000);

const run = promisify(execFile);
const LAB_LOCK = '/tmp/drillbook-lab.lock';
const drillbook = (...args: string[]) =>
  run('npx', ['--no-install', 'drillbook', ...args], { cwd: ROOT, timeout: 600_000, maxBuffer: 8 << 20 });

/** Holds the labs' lock until released: flock keeps it while its child (cat, reading our stdin) lives. */
async function holdLabLock(): Promise<{ release(): Promise<void> }> {
  const holder: ChildProcessWithoutNullStreams = spawn(
    'flock',
    ['-w', '1200', LAB_LOCK, 'sh', '-c', 'echo held; exec cat >/dev/null'],
    { stdio: 'pipe' },
  );
  const exited = new Promise<number | null>((resolve) => holder.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve());
    holder.once('error', reject);
    void exited.then((code) =>
      reject(new Error(`flock ${LAB_LOCK} gave up (exit ${code}): another lab user held it for 20 minutes`)),
    );
  });
  return {
    async release() {
      holder.stdin.end();
      await exited;
    },
  };
}

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
  await lock?.release();
});

/** A full drill of a lab plan as its approvers and operator would answer it; every step must pass. */
async function drillToTheEnd(planFile: string, target: string): Promise<DrillRecord> {
  const planYaml = readFileSync(path.join(ROOT, planFile), 'utf8');
  const handle = await startDrill(client, queue, { target, requestedBy: 'oncall', planYaml, reason: 'lab-cli test' });
  const record = await driveDrill(client, handle.workflowId, {
    approvers: ['alice', 'bob'],
    operator: 'oncall',
    timeoutMs: 1_200_000,
  });
  const failed = record.steps
    .filter((s) => s.status !== 'succeeded')
    .map((s) => `${s.id}: ${s.status} ${s.error ?? s.summary ?? ''}`);
  expect(failed).toEqual([]);
  expect(record.status).toBe('succeeded');
  return record;
}

/** The profile's health check spoke to the stand-in lab up started, on the serving site of each check phase. */
const tipHealth = (record: DrillRecord) =>
  record.steps.filter((s) => s.action === 'tipHealth').map((s) => `${s.phase} ${s.site} ${s.status}`);
const SERVING = ['check primary succeeded', 'failover-check secondary succeeded', 'failback-check primary succeeded'];

describe('ThreatConnect: npx drillbook lab up, then a full drill of plans/lab.yaml', () => {
  afterAll(async () => {
    await drillbook('lab', 'down').catch((error: Error) => console.error(`lab down failed: ${error.message}`));
  });

  it('comes up with the app the plan starts, passes plan check, and drills to the end', async () => {
    const up = await drillbook('lab', 'up');
    expect(up.stdout).toMatch(/app on primary (started|already running)/);
    const status = await drillbook('lab', 'status');
    expect(status.stdout).toMatch(
      /^app +primary +up +http:\/\/127\.0\.0\.1:18081 .*"site":"primary".*"writable":true/m,
    );
    expect((await drillbook('plan', 'check', 'plans/lab.yaml')).stdout).toMatch(/plans\/lab\.yaml: ok \(target lab;/);
    expect(tipHealth(await drillToTheEnd('plans/lab.yaml', 'lab'))).toEqual(expect.arrayContaining(SERVING));
  });
});

describe('MISP: npx drillbook lab up --platform misp, then a full drill of plans/misp-lab.yaml', () => {
  afterAll(async () => {
    await drillbook('lab', 'down', '--platform', 'misp').catch((error: Error) =>
      console.error(`lab down failed: ${error.message}`),
    );
  });

  it('comes up with the node the plan starts, passes plan check, and drills to the end', async () => {
    await drillbook('lab', 'up', '--platform', 'misp');
    expect((await drillbook('plan', 'check', 'plans/misp-lab.yaml')).stdout).toMatch(
      /plans\/misp-lab\.yaml: ok \(target misp-lab;/,
    );
    expect(tipHealth(await drillToTheEnd('plans/misp-lab.yaml', 'misp-lab'))).toEqual(expect.arrayContaining(SERVING));
  });
});
