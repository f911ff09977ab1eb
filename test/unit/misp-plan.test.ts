/**
 * The MISP plan shapes without servers: plans/misp-lab.yaml validates and compiles into the order a
 * switch behind a load balancer needs (the old site out of rotation before its node stops, the
 * database and the shared storage switched before the new node starts, the new site back in
 * rotation after it runs), RTO ends at what users reach through HAProxy, and plans/misp.example.yaml
 * (the AWS layout) validates. Wrong references and shapes are refused with the path to fix.
 */
import { compileRunbook } from '../../workflows/runbook';
import { compilePrecheck } from '../../workflows/runbook/precheck';
import { planEdits } from '../support/planEdits';

const { valid, errorsOf } = planEdits('misp-lab.yaml');

test('the lab plan validates, and a failover takes the old site out before it stops and brings the new one in after it starts', () => {
  const steps = compileRunbook(valid(), 'drill').phases.find((p) => p.id === 'failover')?.steps ?? [];
  const at = (id: string) => {
    const index = steps.findIndex((s) => s.id === id);
    if (index < 0) throw new Error(`no step ${id}`);
    return index;
  };
  expect(at('failover.misp-files.guard.secondary')).toBeLessThan(at('failover.lb.drain.primary'));
  expect(at('failover.lb.drain.primary')).toBeLessThan(at('failover.misp.stop.primary'));
  expect(at('failover.health-file.out.primary')).toBeLessThan(at('failover.misp.stop.primary'));
  expect(at('failover.misp.stop.primary')).toBeLessThan(at('failover.misp-db.fence.primary'));
  expect(at('failover.misp-db.promote.secondary')).toBeLessThan(at('failover.misp.start.secondary'));
  expect(at('failover.misp-files.activate.secondary')).toBeLessThan(at('failover.misp.start.secondary'));
  expect(at('failover.misp.start.secondary')).toBeLessThan(at('failover.lb.ready.secondary'));
  expect(at('failover.misp.start.secondary')).toBeLessThan(at('failover.health-file.in.secondary'));
  // lb and the health file run side by side: the file's return waits for the server lb readies.
  expect(steps[at('failover.lb.ready.secondary')].block).toBe(steps[at('failover.health-file.in.secondary')].block);
  expect(steps[at('failover.misp-files.activate.secondary')]).toMatchObject({
    action: 'runCommand',
    destructive: true,
    args: { command: { argv: ['bash', 'scripts/lab/misp.sh', 'shared', 'source', 'secondary'] } },
  });
});

test('RTO runs from the site leaving rotation to the first answer of what users reach (node or frontend), not a database ping', () => {
  const runbook = compileRunbook(valid(), 'drill');
  const phase = (id: string) => runbook.phases.find((p) => p.id === id)?.steps ?? [];
  expect(
    phase('failover')
      .filter((s) => s.marks.includes('rto-start'))
      .map((s) => s.id),
  ).toEqual(['failover.health-file.out.primary']);
  expect(
    phase('failover-check')
      .filter((s) => s.marks.includes('rto-end'))
      .map((s) => s.id),
  ).toEqual(['failover-check.misp.health.secondary', 'failover-check.frontend.health.secondary']);
});

test("failback after an outage: the plan's own preparations run first, before the guards, in failback mode only", () => {
  const failback = compileRunbook(valid(), 'failback').phases[0].steps;
  const ids = failback.map((s) => s.id);
  const prepare = failback.filter((s) => s.segment === 'prepare').map((s) => s.id);
  expect(prepare).toEqual(['failback.fb-shared-direction', 'failback.fb-db-replicates']);
  const firstGuard = failback.findIndex((s) => s.segment === 'guard');
  expect(ids.slice(0, firstGuard)).toEqual(prepare);
  // The storage guard's canary goes lab-dc2 -> lab-dc1: the preparation makes that the direction.
  expect(failback[0]).toMatchObject({
    action: 'runCommand',
    site: 'secondary',
    args: { command: { argv: ['bash', 'scripts/lab/misp.sh', 'shared', 'source', 'secondary'] } },
  });
  expect(failback[1]).toMatchObject({ readOnly: true, site: 'primary' });
  const status = (line: string) =>
    new RegExp((failback[1].args as { command: { expectOutput: string } }).command.expectOutput).test(line);
  // As `misp.sh status mariadb` prints lab-dc1 after a reprotect, and before it.
  expect(
    status(
      'mariadb    primary   up    127.0.0.1:25316 read-only gtid=0-2-40 replicates from :25326 io=Yes sql=Yes lag=0s io_errno=0 sql_errno=0',
    ),
  ).toBe(true);
  expect(
    status(
      'mariadb    primary   up    127.0.0.1:25316 writable  gtid=0-1-41 replicates from :25326 io=No sql=Yes lag=NULLs io_errno=2003 sql_errno=0',
    ),
  ).toBe(false);
  // A quarterly drill's failback follows its own failover: no preparation there.
  const drillFailback = compileRunbook(valid(), 'drill').phases.find((p) => p.id === 'failback')?.steps ?? [];
  expect(drillFailback.filter((s) => s.segment === 'prepare')).toEqual([]);
  // And the rest of the failback is the planned switch with its guards.
  expect(ids).toEqual(expect.arrayContaining(['failback.misp-db.guard.primary', 'failback.misp-files.guard.primary']));
  expect(failback.find((s) => s.id === 'failback.misp-files.guard.primary')?.args).toMatchObject({ planned: true });
});

test('reprotect: wait for the returned site, fence it, resync the storage, keep it out of rotation, then check', () => {
  const runbook = compileRunbook(valid(), 'reprotect');
  expect(runbook.phases.map((p) => p.id)).toEqual(['reprotect', 'reprotect-check']);
  const [reprotect, check] = runbook.phases.map((p) => p.steps.map((s) => `${s.segment}:${s.id}:${s.action}`));
  expect(reprotect).toEqual(
    expect.arrayContaining([
      'await:reprotect.misp-files.returned.primary:storageAwaitReturn',
      'await:reprotect.misp.returned.primary:checkHttp',
      'fence:reprotect.misp-files.source.secondary:runCommand',
      'fence:reprotect.misp-files.fenced.primary:storageFenced',
      'fence:reprotect.lb.fence.primary:haproxyFence',
      'resync:reprotect.misp-files.resync.primary:storageGuard',
      'resync:reprotect.health-file.aside.primary:healthFileRemove',
    ]),
  );
  const steps = runbook.phases.flatMap((p) => p.steps);
  const byId = (id: string) => steps.find((s) => s.id === id);
  // The frontend belongs to no site: nothing waits for it; the returned node is awaited for its answer, not its body.
  expect(steps.some((s) => s.component === 'frontend')).toBe(false);
  expect(byId('reprotect.misp.returned.primary')?.args).toMatchObject({
    http: { url: 'http://127.0.0.1:25081/health', bodyMatch: undefined },
  });
  // The fence names the serving side the source before anything is checked; the resync's canary runs serving -> returned.
  expect(byId('reprotect.misp-files.source.secondary')?.args).toMatchObject({
    command: { argv: ['bash', 'scripts/lab/misp.sh', 'shared', 'source', 'secondary'] },
  });
  expect(byId('reprotect.misp-files.resync.primary')?.args).toMatchObject({
    from: 'secondary',
    to: 'primary',
    planned: true,
  });
  expect(check).toEqual([
    'verify:reprotect-check.misp-db.reprotected.primary:mysqlReprotected',
    'verify:reprotect-check.misp-files.replicates.primary:storageGuard',
    'verify:reprotect-check.health-file.aside.primary:healthFileOutCheck',
    'verify:reprotect-check.lb.out.secondary:haproxyHealth',
  ]);
  // Two canaries of their own: the reprotect check measures again rather than finding the resync's.
  expect(byId('reprotect-check.misp-files.replicates.primary')?.args).toMatchObject({
    from: 'secondary',
    to: 'primary',
  });
  expect((byId('reprotect-check.misp-files.replicates.primary')?.args as { canary: string }).canary).not.toBe(
    (byId('reprotect.misp-files.resync.primary')?.args as { canary: string }).canary,
  );
});

test('a readiness precheck only looks: no drain, switch, health file move or canary', () => {
  const actions = new Set(compilePrecheck(valid()).map((s) => s.action));
  for (const changing of [
    'haproxyDrain',
    'haproxySwitch',
    'haproxyReady',
    'healthFileRemove',
    'healthFileRestore',
    'storageGuard',
    'mysqlFence',
    'mysqlPromote',
  ])
    expect(actions).not.toContain(changing);
  expect(actions).toContain('haproxyHealth');
  expect(actions).toContain('healthFileCheck');
});

test('the commented AWS layout (plans/misp.example.yaml) validates and orders the AWS kinds', () => {
  const result = planEdits('misp.example.yaml').load();
  expect(result.ok ? [] : result.errors).toEqual([]);
  if (!result.ok) return;
  const ids =
    compileRunbook(result.plan, 'drill')
      .phases.find((p) => p.id === 'failover')
      ?.steps.map((s) => s.id) ?? [];
  expect(ids.indexOf('failover.misp-db.guard.secondary')).toBeLessThan(ids.indexOf('failover.health-file.out.primary'));
  expect(ids.indexOf('failover.health-file.out.primary')).toBeLessThan(ids.indexOf('failover.web.scale-down.primary'));
  expect(ids.indexOf('failover.misp-db.activate.secondary')).toBeLessThan(
    ids.indexOf('failover.web.scale-up.secondary'),
  );
  expect(ids.indexOf('failover.misp-efs.failover.secondary')).toBeLessThan(
    ids.indexOf('failover.web.scale-up.secondary'),
  );
  expect(ids.indexOf('failover.web.scale-up.secondary')).toBeLessThan(ids.indexOf('failover.alb.register.secondary'));
});

test('wrong shapes are refused with the path to fix and what is accepted', () => {
  expect(errorsOf((d) => (d.components.lb.socket = 'admin.sock'))).toEqual([
    'components.lb.socket: expected the runtime API socket: a UNIX socket path such as /run/haproxy/admin.sock, or host:port',
  ]);
  expect(errorsOf((d) => (d.components.lb.secondary.servers = ['misp-dc1']))).toEqual([
    'components.lb.secondary.servers: server misp-dc1 is listed for both sites; each server belongs to one site',
  ]);
  expect(errorsOf((d) => delete d.components['health-file'].haproxy)).toEqual([
    'components.health-file.haproxy: judgedBy: haproxy needs the runtime API socket and backend: { socket: /run/haproxy/admin.sock, backend: misp }',
  ]);
  expect(errorsOf((d) => (d.components['misp-files'].secondary.via = ['ssh', 'misp-dc2']))).toEqual([
    "components.misp-files.secondary.path: with via, give an absolute path: a relative one would be the remote login's",
  ]);
  expect(errorsOf((d) => (d.components['misp-files'].primary.path = 'data/lab misp/shared'))).toEqual([
    'components.misp-files.primary.path: expected a path of letters, digits and _.@%+=:,/- (no spaces or shell characters)',
  ]);
});
