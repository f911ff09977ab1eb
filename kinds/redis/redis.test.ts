/**
 * `kind: redis`: a master on one site and its replica on the other. Defaults, refusals naming the
 * field, the switch (the new side a replica first, guard, fence the old master, promote the
 * replica once caught up, the old side re-protected as its replica, the canary verified), and
 * how INFO replication is read. Pure: the real loader and compiler, no Redis.
 */
import { follows, linkOf, parseInfo, stateFromInfo } from './activities/node';
import { idsOf, phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const cache = (more: Record<string, unknown> = {}) => ({
  cache: { kind: 'redis', primary: { host: 'redis-euw1' }, secondary: { host: 'redis-euc1' }, ...more },
});

test('a minimal redis pair gets the documented defaults', () => {
  expect(planWith(cache()).components.cache).toEqual({
    kind: 'redis',
    tier: 'database',
    catchUpTimeout: 30_000,
    minReplicasToWrite: 0,
    primary: { host: 'redis-euw1', port: 6379 },
    secondary: { host: 'redis-euc1', port: 6379 },
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(cache({ secondary: { host: 'redis-euc1', port: '6379' } }))).toEqual([
    'components.cache.secondary.port: expected a port number from 1 to 65535',
  ]);
  expect(refusalsOf(cache({ minReplicasToWrite: -1 }))).toEqual([
    'components.cache.minReplicasToWrite: Too small: expected number to be >=0',
  ]);
  expect(refusalsOf(cache({ password: 'hunter2' }))).toEqual([
    'components.cache.password: expected a secret reference, never the secret itself: write { env: VAR } or { file: PATH }',
  ]);
});

test('a failover fences the old master before it promotes the replica, then re-protects the old side; the canary is verified after', () => {
  const plan = planWith(cache({ catchUpTimeout: '2m', maxLagBytes: 10_000_000 }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failover.cache.reprotect.secondary', 'redisReprotect', 'secondary', true],
    ['failover.cache.guard.secondary', 'redisGuard', 'secondary', false],
    ['failover.cache.fence.primary', 'redisFence', 'primary', true],
    ['failover.cache.promote.secondary', 'redisPromote', 'secondary', true],
    ['failover.cache.reprotect.primary', 'redisReprotect', 'primary', true],
  ]);
  expect(stepById(failover, 'failover.cache.fence.primary').marks).toEqual(['rto-start']);
  expect(stepById(failover, 'failover.cache.promote.secondary')).toMatchObject({
    timeoutMs: 180_000,
    args: {
      catchUpTimeoutMs: 120_000,
      maxLagBytes: 10_000_000,
      from: 'primary',
      to: 'secondary',
      canary: 'primary-to-secondary',
    },
  });
  expect(stepById(phaseSteps(plan, 'drill', 'failover-check'), 'failover-check.cache.verify.secondary')).toMatchObject({
    action: 'redisVerify',
    args: { canary: 'primary-to-secondary' },
  });
});

test('in a real outage the lost side is fenced and re-protected best effort, and nothing first makes the new side a replica', () => {
  const outage = phaseSteps(planWith(cache()), 'failover', 'failover');
  expect(outage.map((s) => [s.id, s.bestEffort])).toEqual([
    ['failover.cache.guard.secondary', false],
    ['failover.cache.fence.primary', true],
    ['failover.cache.promote.secondary', false],
    ['failover.cache.reprotect.primary', true],
  ]);
  expect(idsOf(outage)).not.toContain('failover.cache.reprotect.secondary');
});

describe('INFO replication', () => {
  const masterInfo = [
    '# Replication',
    'role:master',
    'connected_slaves:1',
    'slave0:ip=10.0.2.12,port=6379,state=online,offset=1520,lag=1',
    'master_failover_state:no-failover',
    'master_repl_offset:1534',
    '',
  ].join('\r\n');
  const replicaInfo = [
    '# Replication',
    'role:slave',
    'master_host:10.0.2.11',
    'master_port:6379',
    'master_link_status:down',
    'master_last_io_seconds_ago:-1',
    'master_sync_in_progress:0',
    'slave_repl_offset:1400',
    'master_link_down_since_seconds:42',
    'master_repl_offset:1400',
    '',
  ].join('\r\n');

  test("a master reports its replicas' links with offset and lag", () => {
    const master = stateFromInfo(parseInfo(masterInfo));
    expect(master).toEqual({
      reachable: true,
      role: 'master',
      offset: 1534,
      failoverState: 'no-failover',
      replicas: [{ host: '10.0.2.12', port: 6379, state: 'online', offset: 1520, lagSeconds: 1 }],
    });
    expect(linkOf(master, { host: '10.0.2.12', port: 6379 })?.offset).toBe(1520);
    expect(linkOf(master, { host: '10.0.2.12', port: 6380 })).toBeUndefined();
  });

  test('a replica ("slave", as Redis still says) with its link down says whom it follows and since when', () => {
    const replica = stateFromInfo(parseInfo(replicaInfo));
    expect(replica).toMatchObject({
      role: 'replica',
      masterHost: '10.0.2.11',
      masterPort: 6379,
      linkUp: false,
      syncInProgress: false,
      linkDownSinceSeconds: 42,
      offset: 1400,
    });
    expect(follows(replica, { host: '10.0.2.11', port: 6379 })).toBe(true);
    expect(follows(replica, { host: '10.0.2.11', port: 6380 })).toBe(false);
  });
});

test('reprotect waits for the returned old master, fences it, makes it a replica of the serving one and checks it caught up; all on the old site, none best-effort', () => {
  const plan = planWith(cache());
  const reprotect = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(reprotect.map((s) => [s.id, s.segment, s.action, s.site, s.destructive, s.bestEffort])).toEqual([
    ['reprotect.cache.await-return.primary', 'await', 'redisAwaitReturn', 'primary', false, false],
    ['reprotect.cache.fence.primary', 'fence', 'redisFence', 'primary', true, false],
    ['reprotect.cache.reprotect.primary', 'resync', 'redisReprotect', 'primary', true, false],
  ]);
  // Bounded only by the step's own timeout (the plan's default here): the await takes no shorter one.
  expect(reprotect[0].timeoutMs).toBe(plan.defaults.stepTimeout);
  const check = phaseSteps(plan, 'reprotect', 'reprotect-check');
  expect(check.map((s) => [s.id, s.action, s.site])).toEqual([
    ['reprotect-check.cache.reprotected.primary', 'redisReprotected', 'primary'],
  ]);
  // The serving side is the secondary: the args carry the direction the activities read.
  expect(check[0].args).toMatchObject({ from: 'primary', to: 'secondary', planned: true, rpoMs: 60_000 });
});
