/**
 * `kind: haproxy`: the traffic switch of sites not on AWS, through HAProxy's runtime API. Defaults,
 * refusals naming the field, the switch (drain the old site's servers, switch, ready the new
 * site's, check it serves), and how `show stat` and the admin-state bits are read. Pure: no HAProxy.
 */
import { adminStateOf, isOut, isServing, parseStat } from './activities/runtimeApi';
import { idsOf, phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const lb = (more: Record<string, unknown> = {}) => ({
  lb: {
    kind: 'haproxy',
    socket: '/run/haproxy/admin.sock',
    backend: 'misp',
    primary: { servers: ['misp-dc1'] },
    secondary: { servers: ['misp-dc2'] },
    ...more,
  },
});

test('a minimal backend gets the documented defaults', () => {
  expect(planWith(lb()).components.lb).toEqual({
    kind: 'haproxy',
    tier: 'traffic',
    socket: '/run/haproxy/admin.sock',
    backend: 'misp',
    takeOut: 'maint',
    drainTimeout: 60_000,
    waitTimeout: 120_000,
    pollInterval: 500,
    primary: { servers: ['misp-dc1'] },
    secondary: { servers: ['misp-dc2'] },
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(lb({ socket: 'admin.sock' }))).toEqual([
    'components.lb.socket: expected the runtime API socket: a UNIX socket path such as /run/haproxy/admin.sock, or host:port',
  ]);
  expect(refusalsOf(lb({ secondary: { servers: ['misp-dc1'] } }))).toEqual([
    'components.lb.secondary.servers: server misp-dc1 is listed for both sites; each server belongs to one site',
  ]);
  expect(refusalsOf(lb({ takeOut: 'disable' }))).toEqual(['components.lb.takeOut: expected one of "maint"|"drain"']);
});

test('a failover drains the old site (RTO starts there), switches, readies the new site and checks it serves', () => {
  const plan = planWith(lb({ takeOut: 'drain', drainTimeout: '30s' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failover.lb.drain.primary', 'haproxyDrain', 'primary', true],
    ['failover.lb.switch.secondary', 'haproxySwitch', 'secondary', true],
    ['failover.lb.ready.secondary', 'haproxyReady', 'secondary', true],
  ]);
  expect(failover[0].marks).toEqual(['rto-start']);
  expect(stepById(failover, 'failover.lb.switch.secondary').args).toMatchObject({
    from: 'primary',
    to: 'secondary',
    backend: 'misp',
    takeOut: 'drain',
    drainTimeoutMs: 30_000,
    servers: { primary: ['misp-dc1'], secondary: ['misp-dc2'] },
  });
  expect(phaseSteps(plan, 'drill', 'failover-check').map((s) => [s.id, s.action, s.marks])).toEqual([
    ['failover-check.lb.serving.secondary', 'haproxyHealth', ['rto-end']],
  ]);
  // In an outage, draining the lost site is best effort; the new site's switch is not.
  const outage = phaseSteps(plan, 'failover', 'failover');
  expect(outage.map((s) => s.bestEffort)).toEqual([true, false, false]);
  expect(idsOf(phaseSteps(plan, 'drill', 'pre-reboot'))).toEqual([
    'pre-reboot.lb.drain.primary',
    'pre-reboot.lb.ready.primary',
    'pre-reboot.lb.serving.primary',
  ]);
});

describe('the runtime API', () => {
  const stat = [
    '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code',
    'misp,FRONTEND,,,3,10,2000,120,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,5,,',
    'misp,misp-dc1,0,0,2,5,,60,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,100,0,,1,2,1,,60,,2,0,,3,L7OK,200',
    'misp,misp-dc2,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1,0,0,0,100,0,,1,2,2,,0,,2,0,,0,* L7STS,503',
    '',
  ].join('\n');

  test('show stat CSV is read by its header names', () => {
    const rows = parseStat(stat);
    expect(rows.map((r) => [r.pxname, r.svname, r.status, r.scur, r.check_status, r.check_code])).toEqual([
      ['misp', 'FRONTEND', 'OPEN', '3', '', ''],
      ['misp', 'misp-dc1', 'UP', '2', 'L7OK', '200'],
      ['misp', 'misp-dc2', 'MAINT', '0', '* L7STS', '503'],
    ]);
    expect(() => parseStat('Unknown command.\n')).toThrow(
      'HAProxy answered "show stat" with something that is not its CSV: Unknown command.',
    );
  });

  test('admin-state bits say maint over drain over ready, and only a ready UP server serves', () => {
    expect([0, 0x01, 0x04, 0x08, 0x10, 0x09].map(adminStateOf)).toEqual([
      'ready',
      'maint',
      'maint',
      'drain',
      'drain',
      'maint',
    ]);
    const server = { name: 'misp-dc1', status: 'UP', checkStatus: 'L7OK', sessions: 0, admin: 'ready' as const };
    expect(isServing(server)).toBe(true);
    expect(isServing({ ...server, status: 'UP 1/3' })).toBe(false);
    expect(isServing({ ...server, admin: 'drain' })).toBe(false);
    expect(isOut({ ...server, status: 'DOWN' })).toBe(true);
    expect(isOut(server)).toBe(false);
  });
});

test('reprotect puts the returned site in maintenance whatever takeOut says, and its check asks that only the serving site takes traffic', () => {
  const plan = planWith(lb({ takeOut: 'drain' }));
  const reprotect = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(reprotect.map((s) => [s.segment, s.id, s.action, s.site, s.destructive, s.bestEffort])).toEqual([
    ['fence', 'reprotect.lb.fence.primary', 'haproxyFence', 'primary', true, false],
  ]);
  const check = phaseSteps(plan, 'reprotect', 'reprotect-check');
  // haproxyHealth on the serving site: its servers UP, the returned site's out (maintenance counts).
  expect(check.map((s) => [s.id, s.action, s.site])).toEqual([
    ['reprotect-check.lb.out.secondary', 'haproxyHealth', 'secondary'],
  ]);
  expect(check[0].title).toMatch(/to dc2 only: dc1's servers misp-dc1 stay out of rotation/);
});
