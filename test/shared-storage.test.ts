/**
 * sharedStorage against real folders replicated by the lab's replicator (rsync every 0.5 s, one
 * way, the source read each round): present and writable per site (the secondary's checks run
 * through a command prefix, as they would through ssh), a canary written on the primary read on
 * the secondary with its replication lag, the RPO evidence after the switch, a stopped replication
 * refused, the direction reversed for failback, and plans that point at nothing refused. No ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createStorageActivities } from '../kinds/sharedStorage/activities';
import { drillSteps, inputOf, planErrors, stackPlan, stepById } from './support/stackPlan';
import { ROOT } from './support/standinLab';
import type { Step } from '../domain';

const REPLICATE = path.join(ROOT, 'scripts', 'lab', 'replicate-shared.sh');
const INTERVAL_S = 0.5;

describe('shared storage with replication between two sites', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-shared-'));
  const sites = { primary: path.join(dir, 'dc1'), secondary: path.join(dir, 'dc2') };
  const sourceFile = path.join(dir, 'source');
  const storage = createStorageActivities();
  let replicator: ChildProcess | undefined;
  let steps: Step[];

  const component = (overrides: Record<string, unknown> = {}) => ({
    kind: 'sharedStorage',
    canaryTimeout: '3s',
    primary: { path: sites.primary, activate: { command: ['sh', '-c', `echo primary > ${sourceFile}`] } },
    // The secondary's checks run through an argv prefix, as `[ssh, host]` would; `env` runs them here.
    secondary: {
      path: sites.secondary,
      via: ['env'],
      activate: { command: ['sh', '-c', `echo secondary > ${sourceFile}`] },
    },
    ...overrides,
  });
  const startReplication = () => {
    replicator = spawn('bash', [REPLICATE, sites.primary, sites.secondary, sourceFile, String(INTERVAL_S)], {
      stdio: 'ignore',
    });
  };
  const stopReplication = async () => {
    if (!replicator || replicator.exitCode !== null) return;
    const gone = new Promise((resolve) => replicator?.once('exit', resolve));
    replicator.kill('SIGTERM');
    await gone;
  };

  beforeAll(() => {
    for (const site of Object.values(sites)) mkdirSync(path.join(site, 'webroot'), { recursive: true });
    writeFileSync(path.join(sites.primary, 'webroot', 'health.html'), 'ok\n');
    writeFileSync(sourceFile, 'primary\n');
    startReplication();
    steps = drillSteps(stackPlan({ files: component() }));
  });
  afterAll(stopReplication);

  it("compiles to a canary before the switch, the plan's activate command while the new side starts, and a verify after", () => {
    expect(steps.filter((s) => s.phase === 'failover').map((s) => `${s.segment}:${s.id}:${s.action}`)).toEqual([
      'guard:failover.files.guard.secondary:storageGuard',
      'start:failover.files.activate.secondary:runCommand',
    ]);
    expect(stepById(steps, 'failover.files.activate.secondary').destructive).toBe(true);
    expect(stepById(steps, 'failover-check.files.verify.secondary').action).toBe('storageVerify');
    expect(stepById(steps, 'preparation.files.health.primary').args).toMatchObject({ serving: true });
  });

  it('finds the folder on both sites and writes on the primary; the standby is checked readable only', async () => {
    const pre = await storage.storagePreflight(
      inputOf('storagePreflight', steps, 'preparation.files.preflight.primary'),
    );
    expect(pre.summary).toMatch(/present on both sites .* takes writes on dc1 \(primary\)/);
    const health = await storage.storageHealth(inputOf('storageHealth', steps, 'preparation.files.health.primary'));
    expect(health.summary).toMatch(/dc1 \(primary\) is there and takes writes/);
    const standby = await storage.storageHealth({
      ...inputOf('storageHealth', steps, 'preparation.files.health.primary'),
      step: {
        ...stepById(steps, 'preparation.files.health.primary'),
        site: 'secondary',
        args: { ...(stepById(steps, 'preparation.files.health.primary').args as object), serving: false },
      } as never,
    });
    expect(standby.summary).toMatch(/dc2 \(secondary\) \(standby; writes not tried\)/);
  });

  it("reads the primary's canary on the secondary, with its age on arrival as the replication lag; run twice it keeps the first", async () => {
    const guard = await storage.storageGuard(
      inputOf('storageGuard', steps, 'failover.files.guard.secondary', 'drill-one'),
    );
    const lag = guard.facts.replicationLagMs as number;
    // The replicator runs every 0.5 s: the canary arrives within a round or two, never instantly.
    expect(lag).toBeGreaterThan(0);
    expect(lag).toBeLessThan(3 * INTERVAL_S * 1000 + 1000);
    expect(guard.summary).toMatch(
      /canary written on dc1 \(primary\) at .* was read on dc2 \(secondary\) \d+\.\ds later \(RPO 60s\)/,
    );
    const again = await storage.storageGuard(
      inputOf('storageGuard', steps, 'failover.files.guard.secondary', 'drill-one'),
    );
    expect(again.facts.replicationLagMs).toBe(lag);

    const verify = await storage.storageVerify(
      inputOf('storageVerify', steps, 'failover-check.files.verify.secondary', 'drill-one'),
    );
    expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true, dataLossMs: lag });
    expect(verify.summary).toMatch(/dc2 \(secondary\) takes writes and holds the canary/);
  });

  it('refuses a planned switch while replication is stopped: the canary does not arrive', async () => {
    await stopReplication();
    const failure = await storage
      .storageGuard(inputOf('storageGuard', steps, 'failover.files.guard.secondary', 'drill-two'))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(false);
    expect((failure as Error).message).toMatch(
      /canary written on dc1 \(primary\) at .* was not read on dc2 \(secondary\) within 3s: replication is behind or stopped/,
    );
    // After the switch the secondary is checked for that canary, and says it is missing.
    await expect(
      storage.storageVerify(inputOf('storageVerify', steps, 'failover-check.files.verify.secondary', 'drill-two')),
    ).rejects.toThrow(/canary file written before the switch is missing on dc2 \(secondary\): files were lost/);
    startReplication();
  });

  it("after the activate command reverses replication, failback's canary goes from the secondary to the primary", async () => {
    writeFileSync(sourceFile, 'secondary\n'); // what failover.files.activate.secondary runs
    // A round already under way keeps its direction (and would delete what the secondary writes): let it end.
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_S * 1000 + 200));
    const back = await storage.storageGuard(
      inputOf('storageGuard', steps, 'failback.files.guard.primary', 'drill-three'),
    );
    expect(back.summary).toMatch(/written on dc2 \(secondary\) .* read on dc1 \(primary\)/);
    const verify = await storage.storageVerify(
      inputOf('storageVerify', steps, 'failback-check.files.verify.primary', 'drill-three'),
    );
    expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true });
    writeFileSync(sourceFile, 'primary\n');
  });

  it('reprotect: a returned site whose copy still replicates over the serving one is caught; reversed, its files are swept and never arrive', async () => {
    const reprotect = drillSteps(stackPlan({ files: component() }), 'reprotect');
    const fenced = () =>
      storage.storageFenced(inputOf('storageFenced', reprotect, 'reprotect.files.fenced.primary', 'drill-four'));
    const back = await storage.storageAwaitReturn(
      inputOf('storageAwaitReturn', reprotect, 'reprotect.files.returned.primary', 'drill-four'),
    );
    expect(back.summary).toMatch(/is back on dc1 \(primary\)/);
    // The returned primary's loop still pushes its copy (the direction never moved): the fence check stops the drill.
    writeFileSync(sourceFile, 'primary\n');
    const leak = await fenced().catch((e: unknown) => e);
    expect((leak as ApplicationFailure).type).toBe('StorageNotFenced');
    expect((leak as ApplicationFailure).nonRetryable).toBe(true);
    expect((leak as Error).message).toMatch(
      /a file written on the returned dc1 \(primary\) reached dc2 \(secondary\) .* replicates over the serving one/,
    );
    // The serving side made the source (the fence's driver step): a file written on the returned side is swept, not copied.
    writeFileSync(sourceFile, 'secondary\n');
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_S * 1000 + 200)); // a round under way keeps its direction
    const ok = await fenced();
    expect(ok.summary).toMatch(
      /replication runs from dc2 \(secondary\) only: a file written on dc1 \(primary\) was removed by its next round/,
    );
    expect(readdirSync(path.join(sites.secondary, '.drillbook')).filter((f) => f.startsWith('fence-'))).toEqual([]);
    // The resync: a canary written on the serving side is read on the returned one.
    const resync = await storage.storageGuard(
      inputOf('storageGuard', reprotect, 'reprotect.files.resync.primary', 'drill-four'),
    );
    expect(resync.summary).toMatch(/written on dc2 \(secondary\) .* read on dc1 \(primary\)/);
    writeFileSync(sourceFile, 'primary\n');
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_S * 1000 + 200)); // the next test's rounds go primary -> secondary
  });

  it('refuses what points at nothing: a missing folder, a folder where a mount should be, a relative path through via', async () => {
    const missing = drillSteps(
      stackPlan({ files: component({ secondary: { path: path.join(dir, 'not-mounted-here') } }) }),
    );
    const failure = await storage
      .storagePreflight(inputOf('storagePreflight', missing, 'preparation.files.preflight.primary'))
      .catch((e: unknown) => e);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as Error).message).toMatch(
      /not-mounted-here is not there on dc2 \(secondary\) \(this worker\): check the plan's path \(and via\) and the mount/,
    );

    const unmounted = drillSteps(
      stackPlan({ files: component({ primary: { path: sites.primary, mountpoint: true } }) }),
    );
    await expect(
      storage.storageHealth(inputOf('storageHealth', unmounted, 'preparation.files.health.primary')),
    ).rejects.toThrow(/dc1 on dc1 \(primary\) is a folder but nothing is mounted there/);

    expect(
      planErrors(stackPlan({ files: component({ secondary: { path: 'var/www/MISP', via: ['ssh', 'misp-dc2'] } }) })),
    ).toEqual([
      "components.files.secondary.path: with via, give an absolute path: a relative one would be the remote login's",
    ]);
    expect(existsSync(path.join(sites.primary, '.drillbook'))).toBe(true);
  });
});
