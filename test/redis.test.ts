/**
 * The Redis activities against a real pair of Debian redis-server 7 nodes (scripts/lab/redis.sh,
 * ports 21379/21380): the guard refuses a replica stalled behind a WAN link and a broken link; a planned
 * switch writes a canary with WAIT, fences the old master so an app's writes are refused at once,
 * promotes with FAILOVER, and the canary is read on the new master; failback the same way back; an
 * unplanned failover with the master killed promotes the replica, the canary survives, and the old
 * master coming back as a second master is caught and re-protected as a replica.
 */
import net from 'node:net';
import { createClient } from 'redis';
import { createRedisActivities } from '../kinds/redis/activities/index';
import { expectFailure, startOpenctiLab, stepInput, switchArgs, type OpenctiLab } from './support/openctiLab';
import type { SiteRole } from '../domain';
import type { RedisAction, RedisArgs } from '../kinds/redis/actions';

jest.setTimeout(180_000);

let lab: OpenctiLab;
const acts = createRedisActivities();

beforeAll(async () => {
  lab = await startOpenctiLab(14_000, ['redis']);
});
afterAll(async () => {
  await lab?.destroy();
});

const args = (over: Partial<RedisArgs> = {}): RedisArgs => ({
  ...switchArgs('cache'),
  sites: {
    primary: { host: '127.0.0.1', port: lab.port('redis', 'primary') },
    secondary: { host: '127.0.0.1', port: lab.port('redis', 'secondary') },
  },
  password: lab.secret('redis'),
  catchUpTimeoutMs: 10_000,
  minReplicasToWrite: 0,
  ...over,
});
const back = (over: Partial<RedisArgs> = {}) => args({ from: 'secondary', to: 'primary', canary: 'failback', ...over });
const call = <A extends RedisAction>(action: A, drillId: string, a: RedisArgs, site?: SiteRole) =>
  acts[action](stepInput(drillId, action, a, site));

/** What the platform does: a client of one site's node. */
async function app<T>(
  site: SiteRole,
  work: (c: { sendCommand(args: string[]): Promise<unknown> }) => Promise<T>,
): Promise<T> {
  const c = createClient({
    socket: { host: '127.0.0.1', port: lab.port('redis', site), reconnectStrategy: false },
    password: lab.secretValue('redis'),
  });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await work(c);
  } finally {
    c.destroy();
  }
}
/** Like the step's retry policy: a few attempts a second apart. */
async function retried<T>(attempt: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
const role = (site: SiteRole) => app(site, async (c) => String(((await c.sendCommand(['ROLE'])) as unknown[])[0]));

test('health and preflight describe one master and a replica with its link up', async () => {
  expect((await call('redisHealth', 'r0', args(), 'primary')).summary).toMatch(
    /cache on dc1: master at offset \d+, 1 replica\(s\) \(127\.0\.0\.1:21380 online, \d+ B behind\)/,
  );
  expect((await call('redisHealth', 'r0', args(), 'secondary')).summary).toMatch(
    /cache on dc2: replica of 127\.0\.0\.1:21379, link up/,
  );
  expect((await call('redisPreflight', 'r0', args())).summary).toMatch(/dc1 is the master and dc2 replicates from it/);
  const wrong = args({ password: { env: 'NO_SUCH_REDIS_PASSWORD_VAR' } });
  await expect(call('redisHealth', 'r0', wrong, 'primary')).rejects.toMatchObject({
    type: 'SecretMissing',
    nonRetryable: true,
  });
});

/** A WAN link between the sites that the test can stall: bytes stop flowing both ways, the sockets stay open. */
async function stallableLink(targetPort: number): Promise<{ port: number; stall(on: boolean): void; close(): void }> {
  const pairs: net.Socket[][] = [];
  let stalled = false;
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    pairs.push([inbound, outbound]);
    if (stalled) for (const s of [inbound, outbound]) s.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall(on) {
      stalled = on;
      for (const s of pairs.flat())
        if (on) s.pause();
        else s.resume();
    },
    close() {
      for (const s of pairs.flat()) s.destroy();
      server.close();
    },
  };
}

test('the guard refuses a replica stalled behind a WAN link (last ACK older than the RPO, bytes behind), and a broken link', async () => {
  const link = await stallableLink(lab.port('redis', 'primary'));
  await app('secondary', (c) => c.sendCommand(['REPLICAOF', '127.0.0.1', String(link.port)]));
  try {
    await expect(
      call(
        'redisReprotect',
        'r1',
        args({ sites: { ...args().sites, primary: { host: '127.0.0.1', port: link.port } } }),
        'secondary',
      ),
    ).resolves.toBeDefined();
    link.stall(true);
    await app('primary', (c) => c.sendCommand(['SET', 'app:during-stall', 'x'.repeat(10_000)]));
    // The replica ACKs every second; with the link stalled for 3 s its last ACK is older than an RPO of 1 s.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const { message, facts } = await expectFailure(call('redisGuard', 'r1', args({ rpoMs: 1000 })), 'LagOverObjective');
    expect(message).toMatch(/its last acknowledgement is \d+s old, more than the RPO objective of 1s/);
    expect(facts.lagSeconds).toBeGreaterThanOrEqual(2);
    const bytes = await expectFailure(
      call('redisGuard', 'r1', args({ rpoMs: 600_000, maxLagBytes: 100 })),
      'LagOverObjective',
    );
    expect(bytes.message).toMatch(/it is \d+ B behind, more than the plan's maxLagBytes of 100/);
    link.stall(false);
  } finally {
    link.stall(false);
    await call('redisReprotect', 'r1', args(), 'secondary');
    link.close();
  }
  // Right after the resync the replica's first ACK is up to a second away: retried as the workflow would.
  const guard = await retried(() => call('redisGuard', 'r1', args({ rpoMs: 60_000, maxLagBytes: 100 })));
  expect(guard.summary).toMatch(
    /dc2 replicates from dc1 with its link up, 0 B and \d s behind; canary key written and acknowledged by 1 replica/,
  );

  // A replica following a dead port has its link down: no planned switch to it.
  await app('secondary', (c) => c.sendCommand(['REPLICAOF', '127.0.0.1', '1']));
  try {
    const broken = await expectFailure(call('redisGuard', 'r1', args()), 'ReplicationBroken');
    expect(broken.message).toMatch(/dc2: it does not replicate from dc1 with its link up/);
  } finally {
    await call('redisReprotect', 'r1', args(), 'secondary');
  }
});

test('planned failover and failback: canary with WAIT, a fence that refuses writes, FAILOVER, the canary on the new master', async () => {
  const guard = await call('redisGuard', 'r2', args());
  expect(guard.facts.canary).toMatchObject({ acknowledgedBy: 1 });

  const fence = await call('redisFence', 'r2', args(), 'primary');
  expect(fence.summary).toMatch(/cache on dc1 is fenced: writes get "NOREPLICAS Not enough good replicas/);
  // The platform's own write on the old master is refused at once, not held as CLIENT PAUSE would.
  const started = Date.now();
  await expect(app('primary', (c) => c.sendCommand(['SET', 'app:after-fence', '1']))).rejects.toThrow(/NOREPLICAS/);
  expect(Date.now() - started).toBeLessThan(1000);
  expect((await call('redisFence', 'r2', args(), 'primary')).summary).toMatch(/is fenced/);

  const promote = await call('redisPromote', 'r2', args(), 'secondary');
  expect(promote.summary).toMatch(
    /cache on dc2 is the master and takes writes: FAILOVER: dc1 handed over and now replicates from it/,
  );
  expect(await role('secondary')).toBe('master');
  expect(await role('primary')).toBe('slave');
  expect((await call('redisPromote', 'r2', args(), 'secondary')).summary).toMatch(/was already the master/);
  expect((await call('redisReprotect', 'r2', args(), 'primary')).summary).toMatch(
    /already replicates from dc2 with its link up/,
  );

  const verify = await call('redisVerify', 'r2', args(), 'secondary');
  expect(verify.summary).toMatch(/cache on dc2: the only master, takes writes; canary found/);
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true, dataLossMs: 0 });
  await app('secondary', (c) => c.sendCommand(['SET', 'app:on-dc2', 'written after the failover']));

  // Failback: the old master (still carrying the fence setting) becomes a master that takes writes again.
  await call('redisGuard', 'r2', back());
  await call('redisFence', 'r2', back(), 'secondary');
  expect((await call('redisPromote', 'r2', back(), 'primary')).summary).toMatch(
    /cache on dc1 is the master and takes writes: FAILOVER/,
  );
  const home = await call('redisVerify', 'r2', back(), 'primary');
  expect(home.facts.rpoEvidence).toMatchObject({ canaryFound: true });
  expect(String(await app('primary', (c) => c.sendCommand(['GET', 'app:on-dc2'])))).toBe('written after the failover');
  await app('primary', (c) => c.sendCommand(['SET', 'app:home', '1']));
  expect(await role('secondary')).toBe('slave');
});

test('unplanned failover with the master killed: the replica is promoted, the canary survives, the returning master is caught and re-protected', async () => {
  const outage = args({ planned: false, canary: 'outage' });
  const guard = await call('redisGuard', 'r3', outage);
  expect(guard.facts.canary).toMatchObject({ acknowledgedBy: 1 });
  await lab.lab('kill', 'redis', 'primary');

  await expectFailure(call('redisFence', 'r3', outage, 'primary'), 'RedisUnreachable');
  const promote = await call('redisPromote', 'r3', outage, 'secondary');
  expect(promote.summary).toMatch(
    /cache on dc2 is the master and takes writes: REPLICAOF NO ONE \(dc1 does not answer; link down for \d+ s\)/,
  );
  const verify = await call('redisVerify', 'r3', outage, 'secondary');
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true, dataLossMs: 0 });

  // The old master returns as a master of its own (as a restarted server with its own config would).
  await app('secondary', (c) => c.sendCommand(['SET', 'app:during-outage', 'dc2']));
  await lab.lab('start', 'redis', 'primary');
  await app('primary', (c) => c.sendCommand(['REPLICAOF', 'NO', 'ONE']));
  const twoMasters = await expectFailure(call('redisVerify', 'r3', outage, 'secondary'), 'TwoMasters');
  expect(twoMasters.message).toMatch(/dc1 is still a master that takes writes beside dc2: two writers/);

  const reprotect = await call('redisReprotect', 'r3', outage, 'primary');
  expect(reprotect.summary).toMatch(/cache on dc1 is a replica of dc2 again, link up/);
  expect(String(await app('primary', (c) => c.sendCommand(['GET', 'app:during-outage'])))).toBe('dc2');
  expect((await call('redisVerify', 'r3', outage, 'secondary')).summary).toMatch(/the only master/);
});
