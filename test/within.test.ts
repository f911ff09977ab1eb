/**
 * Checks that wait for what they check (`within`): a jobs check passes on its first attempt when the
 * first job appears 2 s after the check starts, says how long it waited, and fails saying it waited
 * 30 s when no job ever appears. Retries stay for faults. A component's health check right after a
 * start (here a real redis-server that starts 2 s late) waits the same way. Also: what the compiler
 * gives such checks, and what a plan can set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createHttpActivities } from '../activities/http';
import { asStepActivity } from '../activities/index';
import { createRedisActivities } from '../kinds/redis/activities/index';
import { startDrill } from '../src/drills';
import { parsePlan } from '../plan/load';
import { compileRunbook } from '../workflows/runbook';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill } from './support/operators';
import { freePort } from './support/ports';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import { START_GRACE_MS, type Step, type StepInput } from '../domain';

/** A /api/jobs of the test's own: no job until `jobsAfterMs` after the first request, or never. */
async function jobsServer(jobsAfterMs: number | undefined): Promise<{ url: string; close(): Promise<void> }> {
  let first: number | undefined;
  const server = http.createServer((_req, res) => {
    first ??= Date.now();
    const running = jobsAfterMs !== undefined && Date.now() - first >= jobsAfterMs;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ recentServers: running ? ['secondary'] : [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/jobs`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const jobsCheck = (url: string, withinMs: number): StepInput<'checkHttp'> => ({
  drillId: 'drill-within',
  target: 'within',
  step: {
    id: 'failover-check.jobs',
    title: 'Jobs run on the secondary',
    action: 'checkHttp',
    args: {
      http: {
        url,
        method: 'GET',
        expectStatus: [200],
        bodyMatch: '"recentServers":\\["secondary"\\]',
        within: withinMs,
      },
      expect: 'up',
    },
    timeoutMs: withinMs + 20_000,
  },
});

/** The steps a drill of a small plan runs: `body` is its components (and steps), below a fixed header. */
function compiledSteps(body: string): Step[] {
  const parsed = parsePlan(`target: t
platform: generic
sites: { primary: { name: a }, secondary: { name: b } }
approvals: { approvers: [alice] }
${body}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return compileRunbook(parsed.plan, 'drill').phases.flatMap((p) => p.steps);
}

describe('checks that wait for what they check', () => {
  it('fails saying it waited 30 s when no job ever appears', async () => {
    const never = await jobsServer(undefined);
    try {
      const started = Date.now();
      await expect(createHttpActivities().checkHttp(jobsCheck(never.url, 30_000))).rejects.toThrow(
        /body does not match .*; waited 30 s for it/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(30_000);
    } finally {
      await never.close();
    }
  });

  it('compiles health checks right after a start with a 30 s wait, and keeps a plan step command timeout', () => {
    const steps = compiledSteps(`components:
  app:
    kind: service
    primary: { health: { http: { url: "http://127.0.0.1:1/health" } }, start: { command: [/bin/true] } }
    secondary: { health: { http: { url: "http://127.0.0.1:2/health", within: 2m } }, start: { command: [/bin/true] } }
steps:
  - { id: restore, phase: failover, segment: start, title: Restore the snapshot, command: { argv: [sleep, "1"], timeout: 45m } }
`);
    const args = (id: string) => steps.find((s) => s.id === id)?.args as { http: { within?: number } };
    expect(args('preparation.app.health.primary').http.within).toBeUndefined();
    expect(args('pre-reboot.app.health.primary').http.within).toBe(30_000);
    expect(args('failover-check.app.health.secondary').http.within).toBe(120_000);
    expect(steps.find((s) => s.id === 'failover.restore')?.timeoutMs).toBe(45 * 60_000);
  });
});

/** A redis-server of the test's own on `port`, started `afterMs` from now (a node still coming up after its start). */
function redisStartingIn(port: number, afterMs: number): { stop(): void } {
  let server: ChildProcess | undefined;
  const timer = setTimeout(() => {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
  }, afterMs);
  return {
    stop() {
      clearTimeout(timer);
      server?.kill('SIGKILL');
    },
  };
}

const redisHealth = (port: number, within: number): StepInput<'redisHealth'> => ({
  drillId: 'drill-within',
  target: 'within',
  step: {
    id: 'pre-reboot.cache.health.primary',
    title: 'Check cache answers on dc1 (role and replication)',
    action: 'redisHealth',
    site: 'primary',
    args: {
      siteNames: { primary: 'dc1', secondary: 'dc2' },
      from: 'primary',
      to: 'secondary',
      planned: true,
      canary: 'failover',
      component: 'cache',
      sites: { primary: { host: '127.0.0.1', port }, secondary: { host: '127.0.0.1', port: 1 } },
      catchUpTimeoutMs: 5000,
      minReplicasToWrite: 0,
      within,
    },
    timeoutMs: within + 20_000,
  },
});

describe('a component health check right after a start', () => {
  const check = asStepActivity(createRedisActivities().redisHealth);

  it('passes on its first attempt when the node starts answering 2 s after the check began, and says how long it waited', async () => {
    const port = await freePort();
    const node = redisStartingIn(port, 2000);
    try {
      const outcome = await check(redisHealth(port, 30_000));
      expect(outcome.attempt).toBe(1);
      expect(outcome.summary).toMatch(/^cache on dc1: master.*\(after waiting [2-9]\.\d s\)$/);
      expect(outcome.facts?.waitedMs).toBeGreaterThanOrEqual(2000);
    } finally {
      node.stop();
    }
  });

  it('fails saying what it last saw and how long it waited when the node never answers', async () => {
    const port = await freePort();
    await expect(check(redisHealth(port, 3000))).rejects.toThrow(
      /cache on dc1 \(127\.0\.0\.1:\d+\) does not answer: .*; waited 3 s for it/,
    );
  });

  it("is compiled with the start grace after a start, the component's own within when it sets one, and none in preparation", () => {
    const steps = compiledSteps(`components:
  cache:
    kind: redis
    primary: { host: 127.0.0.1, port: 1 }
    secondary: { host: 127.0.0.1, port: 2 }
  db:
    kind: postgres
    within: 2m
    user: drill
    password: { env: PGPASSWORD }
    database: app
    primary: { host: 127.0.0.1, port: 3, start: { command: [/bin/true] }, stop: { command: [/bin/true] } }
    secondary: { host: 127.0.0.1, port: 4, start: { command: [/bin/true] }, stop: { command: [/bin/true] } }
`);
    const step = (id: string) => steps.find((s) => s.id === id);
    const within = (id: string) => (step(id)?.args as { within?: number } | undefined)?.within;
    expect(within('preparation.cache.health.primary')).toBeUndefined();
    expect(within('check.cache.health.primary')).toBeUndefined();
    expect(within('failover-check.cache.health.secondary')).toBe(START_GRACE_MS);
    expect(within('failover-check.db.health.secondary')).toBe(120_000);
    // Room for the wait and one more try, beyond the step's own timeout.
    expect(step('failover-check.db.health.secondary')?.timeoutMs).toBeGreaterThan(
      120_000 + (step('preparation.db.health.primary')?.timeoutMs ?? 0),
    );
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
      plan.steps.push({
        id: 'fo-jobs',
        phase: 'failover-check',
        segment: 'verify',
        site: 'secondary',
        title: 'Scheduled jobs run on the secondary',
        http: { url: jobs.url, within: '30s', bodyMatch: '"recentServers":\\["secondary"\\]' },
      });
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
    const handle = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    const record = await driveDrill(client, handle.workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(record.status).toBe('succeeded');
    const step = record.steps.find((s) => s.id === 'failover-check.fo-jobs');
    expect(step).toMatchObject({ status: 'succeeded', attempts: 1, runs: 1 });
    expect(step?.summary).toMatch(/after waiting [2-9]\.\d s/);
    await recordHistoryIfAsked(client, handle.workflowId, 'check-waited-within');
  });
});
