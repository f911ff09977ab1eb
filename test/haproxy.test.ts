/**
 * HAProxy from Debian, driven through its runtime API: a site drained and taken out, the switch,
 * made ready again, with the backend's checks (every 200 ms, fall/rise 2) following what the nodes
 * do, and real requests through the frontend showing who takes traffic. The health-file kind takes
 * a node out by moving its file aside, judged by the same checks. Ports 25100-25119.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createHaproxyActivities } from '../kinds/haproxy/activities';
import { backendServers } from '../kinds/haproxy/activities/runtimeApi';
import { createHealthFileActivities } from '../kinds/lbHealthFile/activities';
import {
  CHECK_INTERVAL_MS,
  CHECKS_TO_CHANGE,
  haproxyAvailable,
  startHaproxy,
  startNode,
  stopNode,
  whoServes,
  type HaproxyLab,
  type Node,
} from './support/haproxy';
import { drillSteps, inputOf, planErrors, stackPlan, stepById } from './support/stackPlan';
import type { Step } from '../domain';

const FRONTEND = 25100;
const PORTS = { dc1: 25101, dc2: 25102 };
const BACKEND = 'misp';

const noAws = () => {
  throw new Error('no AWS in this test');
};

describe('HAProxy through its runtime API', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-haproxy-'));
  let lab: HaproxyLab;
  const nodes: Record<'dc1' | 'dc2', Node> = {} as Record<'dc1' | 'dc2', Node>;
  const haproxy = createHaproxyActivities();
  const healthFile = createHealthFileActivities({ aws: noAws });
  let steps: Step[];
  let fileSteps: Step[];

  const lbComponent = (
    servers: { primary: string[]; secondary: string[] } = { primary: ['dc1'], secondary: ['dc2'] },
    backend = BACKEND,
  ) => ({
    kind: 'haproxy',
    socket: path.join(dir, 'haproxy', 'admin.sock'),
    backend,
    drainTimeout: '5s',
    waitTimeout: '5s',
    pollInterval: '100ms',
    primary: { servers: servers.primary },
    secondary: { servers: servers.secondary },
  });
  const fileComponent = () => ({
    kind: 'lbHealthFile',
    judgedBy: 'haproxy',
    haproxy: { socket: path.join(dir, 'haproxy', 'admin.sock'), backend: BACKEND },
    waitTimeout: '5s',
    pollInterval: '100ms',
    primary: { path: path.join(dir, 'dc1', 'health.html'), servers: ['dc1'] },
    secondary: { path: path.join(dir, 'dc2', 'health.html'), servers: ['dc2'] },
  });
  const states = async () =>
    Object.fromEntries(
      [...(await backendServers(lab.socket, BACKEND)).values()].map((s) => [s.name, `${s.status}/${s.admin}`]),
    );

  beforeAll(async () => {
    if (!haproxyAvailable())
      throw new Error('haproxy is not installed: run `bash scripts/install-lab-deps.sh` (apt-get install haproxy)');
    for (const name of ['dc1', 'dc2'] as const) {
      nodes[name] = await startNode(name, PORTS[name], path.join(dir, name));
      writeFileSync(path.join(dir, name, 'health.html'), 'ok\n');
    }
    lab = startHaproxy(path.join(dir, 'haproxy'), FRONTEND, BACKEND, [
      { name: 'dc1', port: PORTS.dc1 },
      { name: 'dc2', port: PORTS.dc2 },
    ]);
    steps = drillSteps(stackPlan({ lb: lbComponent() }));
    fileSteps = drillSteps(stackPlan({ web: fileComponent() }));
    // Both nodes answer their checks: wait until HAProxy has seen them rise.
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      Object.values(await states().catch(() => ({}))).filter((s) => s === 'UP/ready').length < 2
    )
      await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    lab?.stop();
    for (const node of Object.values(nodes)) await stopNode(node);
  });

  it('compiles to a drain before the services stop, the switch, and a wait for UP after they started', () => {
    const failover = steps.filter((s) => s.phase === 'failover').map((s) => `${s.segment}:${s.id}:${s.action}`);
    expect(failover).toEqual([
      'stop:failover.lb.drain.primary:haproxyDrain',
      'switch:failover.lb.switch.secondary:haproxySwitch',
      'start:failover.lb.ready.secondary:haproxyReady',
    ]);
    expect(stepById(steps, 'failover.lb.drain.primary')).toMatchObject({ destructive: true, marks: ['rto-start'] });
    expect(stepById(steps, 'failover-check.lb.serving.secondary').action).toBe('haproxyHealth');
    // A team's app service stops after the site left rotation, and the load balancer waits for it after it started.
    const withApp = drillSteps(
      stackPlan({
        lb: lbComponent(),
        app: {
          kind: 'service',
          tier: 'app',
          primary: { stop: { command: ['true'] } },
          secondary: { start: { command: ['true'] } },
        },
      }),
    );
    expect(withApp.filter((s) => s.phase === 'failover').map((s) => s.id)).toEqual([
      'failover.lb.drain.primary',
      'failover.app.stop.primary',
      'failover.lb.switch.secondary',
      'failover.app.start.secondary',
      'failover.lb.ready.secondary',
    ]);
  });

  it('preflights: admin level, both sites known; a wrong server or backend is refused with what to fix', async () => {
    const pre = await haproxy.haproxyPreflight(inputOf('haproxyPreflight', steps, 'preparation.lb.preflight.primary'));
    expect(pre.summary).toMatch(/level admin.*dc1 UP.*dc2 UP/);

    const wrongServer = drillSteps(stackPlan({ lb: lbComponent({ primary: ['dc1'], secondary: ['dc9'] }) }));
    const failure = await haproxy
      .haproxyPreflight(inputOf('haproxyPreflight', wrongServer, 'preparation.lb.preflight.primary'))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as Error).message).toMatch(
      /backend misp has no server dc9 \(the plan's secondary.servers\); it has dc1, dc2/,
    );

    const wrongBackend = drillSteps(stackPlan({ lb: lbComponent(undefined, 'mips') }));
    const backendFailure = await haproxy
      .haproxyPreflight(inputOf('haproxyPreflight', wrongBackend, 'preparation.lb.preflight.primary'))
      .catch((e: unknown) => e);
    expect((backendFailure as ApplicationFailure).nonRetryable).toBe(true);
    expect((backendFailure as Error).message).toMatch(
      /can't find backend for backend "mips": check the plan's backend/,
    );

    expect(planErrors(stackPlan({ lb: { ...lbComponent(), socket: 'admin sock' } }))).toEqual([
      expect.stringMatching(/^components.lb.socket: expected the runtime API socket/),
    ]);
  });

  it('drains and takes the primary out: traffic goes to the secondary only; run twice it changes nothing', async () => {
    // Both sites serve at first: the health check says so (this lab starts active/active).
    await expect(
      haproxy.haproxyHealth(inputOf('haproxyHealth', steps, 'preparation.lb.serving.primary')),
    ).rejects.toThrow(/BOTH SITES take traffic: dc2 UP/);
    const drained = await haproxy.haproxyDrain(inputOf('haproxyDrain', steps, 'failover.lb.drain.primary'));
    expect(drained.summary).toMatch(/dc1 \(primary\) taken out of HAProxy backend misp: sessions ended/);
    expect(await states()).toEqual({ dc1: 'MAINT/maint', dc2: 'UP/ready' });
    expect(new Set(await whoServes(FRONTEND, 8))).toEqual(new Set(['dc2']));
    const again = await haproxy.haproxyDrain(inputOf('haproxyDrain', steps, 'failover.lb.drain.primary'));
    expect(again.summary).toMatch(/was already out/);
    const health = await haproxy.haproxyHealth(inputOf('haproxyHealth', steps, 'failover-check.lb.serving.secondary'));
    expect(health.summary).toMatch(/sends traffic to dc2 \(secondary\) only: dc2 UP.*dc1 MAINT/);
  });

  it('follows the checks: a node that stops is seen DOWN, and made ready it is waited for until UP', async () => {
    await stopNode(nodes.dc2);
    // HAProxy needs `fall` failed checks, one interval apart, before it calls the node DOWN.
    await new Promise((resolve) => setTimeout(resolve, (CHECKS_TO_CHANGE + 2) * CHECK_INTERVAL_MS));
    const started = Date.now();
    await expect(
      haproxy.haproxyHealth(inputOf('haproxyHealth', steps, 'failover-check.lb.serving.secondary')),
    ).rejects.toThrow(
      /does not send traffic to dc2 \(secondary\) only after \ds: dc2 \(secondary\): dc2 DOWN check L4CON/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000); // it waited its waitTimeout before failing
    expect(await whoServes(FRONTEND, 2)).toEqual(['status 503', 'status 503']);
    nodes.dc2 = await startNode('dc2', PORTS.dc2, path.join(dir, 'dc2'));
    const ready = await haproxy.haproxyReady(inputOf('haproxyReady', steps, 'failover.lb.ready.secondary'));
    expect(ready.summary).toMatch(/checks see dc2 UP/);
    expect(ready.facts.waitedMs).toBeGreaterThan(0);
    expect(new Set(await whoServes(FRONTEND, 6))).toEqual(new Set(['dc2']));
  });

  it('switches back: the primary made ready, the secondary taken out, and only the primary serves', async () => {
    const switched = await haproxy.haproxySwitch(inputOf('haproxySwitch', steps, 'failback.lb.switch.primary'));
    expect(switched.summary).toMatch(
      /switched to dc1 \(primary\) \(made ready: dc1\).*dc2 \(secondary\) taken out \(maint\)/,
    );
    await haproxy.haproxyReady(inputOf('haproxyReady', steps, 'failback.lb.ready.primary'));
    expect(await states()).toEqual({ dc1: 'UP/ready', dc2: 'MAINT/maint' });
    expect(new Set(await whoServes(FRONTEND, 6))).toEqual(new Set(['dc1']));
    await haproxy.haproxyHealth(inputOf('haproxyHealth', steps, 'failback-check.lb.serving.primary'));
    // Leave both in rotation for the health-file test.
    const both = await haproxy.haproxyReady(inputOf('haproxyReady', steps, 'failover.lb.ready.secondary'));
    expect(both.summary).toMatch(/dc2/);
  });

  it('a health file moved aside takes its node out within the check interval, and back when restored', async () => {
    await healthFile.healthFilePreflight(
      inputOf('healthFilePreflight', fileSteps, 'preparation.web.preflight.primary'),
    );
    const out = await healthFile.healthFileRemove(inputOf('healthFileRemove', fileSteps, 'failover.web.out.primary'));
    expect(existsSync(path.join(dir, 'dc1', 'health.html'))).toBe(false);
    expect(existsSync(path.join(dir, 'dc1', 'health.html.drill-off'))).toBe(true);
    // fall 2 at inter 200 ms: seen DOWN within two check intervals and the time of one check, plus the poll.
    expect(out.facts.outAfterMs as number).toBeLessThan(CHECKS_TO_CHANGE * CHECK_INTERVAL_MS + 1500);
    expect(out.summary).toMatch(/dc1 \(primary\) out of rotation.*HAProxy: dc1 DOWN check L7STS/);
    expect(new Set(await whoServes(FRONTEND, 6))).toEqual(new Set(['dc2']));

    const back = await healthFile.healthFileRestore(inputOf('healthFileRestore', fileSteps, 'failback.web.in.primary'));
    expect(back.facts.healthyAfterMs as number).toBeLessThan(CHECKS_TO_CHANGE * CHECK_INTERVAL_MS + 1500);
    expect(new Set(await whoServes(FRONTEND, 8))).toEqual(new Set(['dc1', 'dc2']));
    const again = await healthFile.healthFileRestore(
      inputOf('healthFileRestore', fileSteps, 'failback.web.in.primary'),
    );
    expect(again.summary).toMatch(/was in place/);
  });

  it('refuses a health file that is nowhere, and a plan without the backend it is judged by', async () => {
    const gone = drillSteps(
      stackPlan({
        web: { ...fileComponent(), primary: { path: path.join(dir, 'nowhere', 'health.html'), servers: ['dc1'] } },
      }),
    );
    const failure = await healthFile
      .healthFileRemove(inputOf('healthFileRemove', gone, 'failover.web.out.primary'))
      .catch((e: unknown) => e);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as Error).message).toMatch(
      /health file .*nowhere\/health.html is missing on dc1 \(primary\).*create it/,
    );
    const { haproxy: _omitted, ...withoutBackend } = fileComponent();
    expect(planErrors(stackPlan({ web: withoutBackend }))).toEqual([
      expect.stringMatching(/^components.web.haproxy: judgedBy: haproxy needs the runtime API socket and backend/),
    ]);
  });
});
