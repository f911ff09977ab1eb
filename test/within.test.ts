/**
 * Checks that wait for what they check (`within`): a jobs check passes on its first attempt when the
 * first job appears 2 s after the check starts, says how long it waited, and fails saying it waited
 * 30 s when no job ever appears. Retries stay for faults. Also: what the compiler gives such checks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createHttpActivities } from '../activities/http';
import { startDrill } from '../src/drills';
import { parsePlan } from '../src/plan/load';
import { compileRunbook } from '../workflows/runbook';
import { driveDrill } from './support/operators';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { StepInput } from '../domain';

/** A /api/jobs of the test's own: no job until `jobsAfterMs` after the first request, or never. */
async function jobsServer(jobsAfterMs: number | undefined): Promise<{ url: string; close(): Promise<void> }> {
  let first: number | undefined;
  const server = http.createServer((_req, res) => {
    first ??= Date.now();
    const running = jobsAfterMs !== undefined && Date.now() - first >= jobsAfterMs;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ recentServers: running ? ['secondary'] : [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/jobs`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const jobsCheck = (url: string, withinMs: number): StepInput<'checkHttp'> => ({
  drillId: 'drill-within',
  target: 'within',
  step: { id: 'failover-check.jobs', title: 'Jobs run on the secondary', action: 'checkHttp', args: { http: { url, method: 'GET', expectStatus: [200], bodyMatch: '"recentServers":\\["secondary"\\]', within: withinMs }, expect: 'up' }, timeoutMs: withinMs + 20_000 },
});

describe('checks that wait for what they check', () => {
  it('fails saying it waited 30 s when no job ever appears', async () => {
    const never = await jobsServer(undefined);
    try {
      const started = Date.now();
      await expect(createHttpActivities().checkHttp(jobsCheck(never.url, 30_000))).rejects.toThrow(/body does not match .*; waited 30 s for it/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(30_000);
    } finally {
      await never.close();
    }
  });

  it('compiles health checks right after a start with a 30 s wait, and keeps a plan step command timeout', () => {
    const parsed = parsePlan(`
target: t
platform: generic
sites: { primary: { name: a }, secondary: { name: b } }
approvals: { approvers: [alice] }
components:
  app:
    kind: service
    primary: { health: { http: { url: "http://127.0.0.1:1/health" } }, start: { command: [/bin/true] } }
    secondary: { health: { http: { url: "http://127.0.0.1:2/health", within: 2m } }, start: { command: [/bin/true] } }
steps:
  - { id: restore, phase: failover, segment: start, title: Restore the snapshot, command: { argv: [sleep, "1"], timeout: 45m } }
`);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const steps = compileRunbook(parsed.plan, 'drill').phases.flatMap((p) => p.steps);
    const args = (id: string) => steps.find((s) => s.id === id)?.args as { http: { within?: number } };
    expect(args('preparation.app.health.primary').http.within).toBeUndefined();
    expect(args('pre-reboot.app.health.primary').http.within).toBe(30_000);
    expect(args('failover-check.app.health.secondary').http.within).toBe(120_000);
    expect(steps.find((s) => s.id === 'failover.restore')?.timeoutMs).toBe(45 * 60_000);
  });
});

describe('a jobs check in a drill', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  let jobs: { url: string; close(): Promise<void> };
  const queue = uniqueQueue('within');

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
    jobs = await jobsServer(2000);
    lab = await createStandinLab('within-lab', (plan) => {
      plan.steps.push({ id: 'fo-jobs', phase: 'failover-check', segment: 'verify', site: 'secondary', title: 'Scheduled jobs run on the secondary', http: { url: jobs.url, within: '30s', bodyMatch: '"recentServers":\\["secondary"\\]' } });
    });
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    await jobs?.close();
    await worker?.stop();
    await client?.connection.close();
  });

  it('passes on its first attempt when the first job arrives 2 s after the check starts, and says how long it waited', async () => {
    const handle = await startDrill(client, queue, { target: lab.target, requestedBy: 'oncall', planYaml: lab.planYaml });
    const record = await driveDrill(client, handle.workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(record.status).toBe('succeeded');
    const step = record.steps.find((s) => s.id === 'failover-check.fo-jobs');
    expect(step).toMatchObject({ status: 'succeeded', attempts: 1, runs: 1 });
    expect(step?.summary).toMatch(/after waiting [2-9]\.\d s/);
  });
});
