/**
 * The MISP lab's load balancer and shared storage through a site loss, on a real Temporal server:
 * a real HAProxy (Debian's) with a server per site checked on the site's health file, a node process
 * per site serving from its site's shared folder, and the lab's own shared storage (scripts/lab/
 * misp.sh: folders and its rsync replicator). A client writes through HAProxy every 100 ms all along.
 * The primary site's node and the replicator are SIGKILLed; a failover-mode drill moves the service;
 * the old node and the replicator restart as after a power cut, the old node with its health file
 * in place, and never get an answer through the frontend; its folder never goes over the serving one;
 * a reprotect-mode drill fences it and reverses the replication; a failback-mode drill, with the
 * plan's preparation before the guards, brings the service back, a canary file proving the way.
 * MariaDB is not here (helper db's kinds/mysql and test/support/dataLab.ts drill it): the plan holds
 * the kinds of this folder only. Ports from DRILLBOOK_TEST_PORTS.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { startDrill } from '../src/drills';
import type { DrillMode, DrillRecord } from '../domain';
import { backendServers } from '../kinds/haproxy/activities/runtimeApi';
import {
  haproxyAvailable,
  killByPidfile,
  siteNodeCommands,
  startHaproxy,
  type HaproxyLab,
  type SiteNodeCommands,
} from './support/haproxy';
import { driveDrill } from './support/operators';
import { freePort } from './support/ports';
import { ROOT } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

jest.setTimeout(600_000);

const MISP_SH = path.join(ROOT, 'scripts', 'lab', 'misp.sh');
const SITES = ['primary', 'secondary'] as const;
type Site = (typeof SITES)[number];
const SERVER: Record<Site, string> = { primary: 'misp-dc1', secondary: 'misp-dc2' };

/** One request of the client through the frontend: who answered (the node's site), or why none did. */
interface Answer {
  at: number;
  n: number;
  who: Site | 'none';
}

describe('MISP lab: HAProxy and shared storage through a site loss, its return, reprotect and failback', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-misp-loss-'));
  const shared = (site: Site) => path.join(dir, 'shared', site);
  const lab = (...args: string[]) =>
    execFileSync('bash', [MISP_SH, ...args], {
      env: { ...process.env, DRILLBOOK_LAB_DIR: dir },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  const labArgv = (...args: string[]) => ['env', `DRILLBOOK_LAB_DIR=${dir}`, 'bash', MISP_SH, ...args];
  let haproxy: HaproxyLab;
  let client: Client;
  let worker: RunningWorker;
  const queue = uniqueQueue('misp-loss');
  const nodes = {} as Record<Site, SiteNodeCommands>;
  const ports = {} as Record<Site, number>;
  const answers: Answer[] = [];
  let writing = true;
  let writer: Promise<void> | undefined;

  const healthFile = (site: Site) => path.join(shared(site), 'webroot', 'health.html');
  const serverStates = async () => {
    const all = await backendServers(haproxy.socket, 'misp');
    return Object.fromEntries(SITES.map((s) => [s, all.get(SERVER[s])])) as Record<
      Site,
      { status: string; admin: string } | undefined
    >;
  };
  const run = (cmd: string[]) => execFileSync(cmd[0], cmd.slice(1), { stdio: 'ignore', timeout: 10_000 });
  const since = (t: number) => answers.filter((a) => a.at >= t);
  const from = (list: Answer[], who: Answer['who']) => list.filter((a) => a.who === who).length;

  function plan(): string {
    const node = (site: Site) => ({
      health: { http: { url: `http://127.0.0.1:${ports[site]}/health`, bodyMatch: `"site":"${site}"`, timeout: '2s' } },
      start: { command: nodes[site].start },
      stop: { command: nodes[site].stop },
    });
    return stringify({
      target: 'misp-loss',
      platform: 'generic',
      sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
      approvals: { approvers: ['alice', 'bob'], operators: ['oncall'], quorum: 1 },
      objectives: { rto: '10m', rpo: '1m' },
      defaults: { retry: { maximumAttempts: 2, initialInterval: '1s' }, stepTimeout: '1m', heartbeatTimeout: '20s' },
      components: {
        misp: { kind: 'service', tier: 'app', primary: node('primary'), secondary: node('secondary') },
        'health-file': {
          kind: 'lbHealthFile',
          judgedBy: 'haproxy',
          haproxy: { socket: haproxy.socket, backend: 'misp' },
          waitTimeout: '15s',
          pollInterval: '100ms',
          primary: { path: healthFile('primary'), servers: [SERVER.primary] },
          secondary: { path: healthFile('secondary'), servers: [SERVER.secondary] },
        },
        lb: {
          kind: 'haproxy',
          after: ['health-file'],
          socket: haproxy.socket,
          backend: 'misp',
          takeOut: 'drain',
          drainTimeout: '2s',
          waitTimeout: '15s',
          pollInterval: '100ms',
          primary: { servers: [SERVER.primary] },
          secondary: { servers: [SERVER.secondary] },
        },
        files: {
          kind: 'sharedStorage',
          canaryTimeout: '5s',
          primary: { path: shared('primary'), activate: { command: labArgv('shared', 'source', 'primary') } },
          secondary: { path: shared('secondary'), activate: { command: labArgv('shared', 'source', 'secondary') } },
        },
      },
      steps: [
        {
          id: 'fb-direction',
          phase: 'failback',
          segment: 'prepare',
          modes: ['failback'],
          site: 'secondary',
          title: "Shared storage replicates dc2 -> dc1, as the storage guard's canary travels",
          command: labArgv('shared', 'source', 'secondary'),
        },
      ],
    });
  }

  async function drill(mode: DrillMode): Promise<DrillRecord> {
    const handle = await startDrill(client, queue, {
      target: 'misp-loss',
      requestedBy: 'oncall',
      planYaml: plan(),
      reason: `site loss test: ${mode}`,
      mode,
    });
    const record = await driveDrill(client, handle.workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      timeoutMs: 240_000,
    });
    const failed = record.steps.filter((s) => s.status !== 'succeeded');
    // Only the lost site's best-effort steps may fail in an outage (its node is dead).
    expect(
      failed
        .filter((s) => !(mode === 'failover' && s.id.endsWith('.primary')))
        .map((s) => `${s.id}: ${s.status} ${s.error ?? ''}`),
    ).toEqual([]);
    expect(record.status).toBe('succeeded');
    // The workflow ends a moment after its record says so: the next drill of the target waits for it.
    await handle.result();
    return record;
  }

  /** Polls until `done` holds: bounded, for what HAProxy's checks (every 200 ms, rise 2) take to see. */
  async function until(what: string, done: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await done().catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  beforeAll(async () => {
    if (!haproxyAvailable())
      throw new Error('haproxy is not installed: run `bash scripts/install-lab-deps.sh` (apt-get install haproxy)');
    for (const site of SITES) ports[site] = await freePort();
    const frontend = await freePort();
    lab('up', 'shared');
    for (const site of SITES) nodes[site] = siteNodeCommands(dir, site, ports[site], shared(site));
    haproxy = startHaproxy(
      path.join(dir, 'haproxy'),
      frontend,
      'misp',
      SITES.map((s) => ({ name: SERVER[s], port: ports[s] })),
    );
    // The primary serves; the secondary's node waits for a failover, as a standby region's does.
    run(nodes.primary.start);
    await until('HAProxy to see dc1 UP', async () => (await serverStates()).primary?.status === 'UP');
    client = await testClient();
    worker = await startTestWorker(queue);
    writer = (async () => {
      // Bounded by the test: it stops writing in afterAll; one request every 100 ms.
      for (let n = 0; writing && n < 20_000; n++) {
        const at = Date.now();
        let who: Answer['who'] = 'none';
        try {
          const response = await fetch(`http://127.0.0.1:${frontend}/write?n=${n}`, {
            signal: AbortSignal.timeout(1000),
          });
          const body = await response.text();
          if (response.status === 200 && (body === 'primary' || body === 'secondary')) who = body;
        } catch {
          // No answer: counted as such.
        }
        answers.push({ at, n, who });
        await sleep(Math.max(0, 100 - (Date.now() - at)));
      }
    })();
  });

  afterAll(async () => {
    writing = false;
    await writer;
    await worker?.stop();
    await client?.connection.close();
    haproxy?.stop();
    for (const site of SITES) if (nodes[site]) killByPidfile(nodes[site].pidfile);
    try {
      lab('down', 'shared');
    } catch {
      // The replicator may be gone already.
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses the primary site, fails over, keeps the returned node out and its copy off the serving one, reprotects and fails back', async () => {
    await until('the client to write through dc1', async () => from(answers, 'primary') >= 10);

    // The loss: the primary's node and its replication SIGKILLed at once, no fence.
    const lostAt = Date.now();
    expect(killByPidfile(nodes.primary.pidfile)).toBe(true);
    lab('kill', 'shared', 'primary');

    const failover = await drill('failover');
    const afterFailover = Date.now();
    // The lost site's server went out through the runtime API, which still answered.
    expect(failover.steps.find((s) => s.id === 'failover.lb.switch.secondary')?.status).toBe('succeeded');
    await sleep(2000); // 20 writes' worth of answers after the drill ended
    const served = since(afterFailover);
    expect(served.length).toBeGreaterThan(10);
    expect(served.every((a) => a.who === 'secondary')).toBe(true);
    expect(from(since(lostAt), 'secondary')).toBeGreaterThan(10);
    // The direction was recorded with the replicator dead: the serving site is the source.
    expect(readFileSync(path.join(dir, 'shared', 'source'), 'utf8').trim()).toBe('secondary');

    // What the serving site wrote since the failover, and a file only the lost site has (never replicated).
    const servingWrites = readdirSync(path.join(shared('secondary'), 'writes')).filter(
      (f) => readFileSync(path.join(shared('secondary'), 'writes', f), 'utf8') === 'secondary',
    );
    expect(servingWrites.length).toBeGreaterThan(10);
    writeFileSync(path.join(shared('primary'), 'unreplicated-on-dc1.txt'), 'written on dc1, never replicated');
    // In a real loss the dead site's health file cannot be moved aside; the lab's folder is local, so
    // the test puts it back in place: HAProxy's admin state alone must keep the returned node out.
    if (existsSync(`${healthFile('primary')}.drill-off`))
      renameSync(`${healthFile('primary')}.drill-off`, healthFile('primary'));

    // The return, as after a power cut: node and replicator restarted on their old data.
    const returnedAt = Date.now();
    run(nodes.primary.start);
    lab('start', 'shared', 'primary');
    // HAProxy's checks see the returned node healthy again: only its admin state keeps it out.
    await until('HAProxy to see the returned dc1 pass its checks', async () =>
      /^(UP|DRAIN)/.test((await serverStates()).primary?.status ?? ''),
    );
    await sleep(3000); // 30 writes while the returned node answers its checks
    expect(since(returnedAt).length).toBeGreaterThan(20);
    expect(from(since(returnedAt), 'primary')).toBe(0);
    // Its folder never went over the serving one: every write dc2 took is still there, dc1's own file is not.
    for (const f of servingWrites)
      expect(readFileSync(path.join(shared('secondary'), 'writes', f), 'utf8')).toBe('secondary');
    expect(existsSync(path.join(shared('secondary'), 'unreplicated-on-dc1.txt'))).toBe(false);

    const reprotect = await drill('reprotect');
    const summary = (r: DrillRecord, id: string) => r.steps.find((s) => s.id === id)?.summary ?? `(no step ${id})`;
    expect(summary(reprotect, 'reprotect.lb.fence.primary')).toMatch(/dc1 \(primary\) kept out .* set to maintenance/);
    expect(summary(reprotect, 'reprotect.files.fenced.primary')).toMatch(
      /replication runs from dc2 \(secondary\) only/,
    );
    expect(summary(reprotect, 'reprotect-check.files.replicates.primary')).toMatch(
      /canary written on dc2 \(secondary\) .* was read on dc1 \(primary\)/,
    );
    expect((await serverStates()).primary?.admin).toBe('maint');
    expect(existsSync(healthFile('primary'))).toBe(false);
    expect(existsSync(`${healthFile('primary')}.drill-off`)).toBe(true);
    // Replication now flows serving -> returned: what dc2 wrote is on dc1, dc1's own file is gone.
    for (const f of servingWrites) expect(existsSync(path.join(shared('primary'), 'writes', f))).toBe(true);
    const beforeFailback = Date.now();
    expect(from(since(returnedAt), 'primary')).toBe(0);

    const failback = await drill('failback');
    // The plan's preparation ran first, before the components' guards.
    const order = failback.steps.map((s) => s.id);
    expect(order.indexOf('failback.fb-direction')).toBeLessThan(order.indexOf('failback.files.guard.primary'));
    // The way back: the canary file written on dc2 before the switch is on dc1 after it.
    expect(summary(failback, 'failback-check.files.verify.primary')).toMatch(/holds the canary/);
    const afterFailback = Date.now();
    await sleep(2000); // 20 writes after the failback
    expect(since(afterFailback).length).toBeGreaterThan(10);
    expect(since(afterFailback).every((a) => a.who === 'primary')).toBe(true);
    // Between the return and the failback, not one answer came from the returned node.
    expect(
      from(
        answers.filter((a) => a.at >= returnedAt && a.at < beforeFailback),
        'primary',
      ),
    ).toBe(0);
    expect(readFileSync(path.join(dir, 'shared', 'source'), 'utf8').trim()).toBe('primary');
  });
});
