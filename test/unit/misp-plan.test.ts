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
  // The drain and the health file run at once (both traffic), as do the way back in.
  const drain = steps[at('failover.lb.drain.primary')];
  expect(steps[at('failover.health-file.out.primary')].block).toBe(drain.block);
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
