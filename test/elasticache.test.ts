/**
 * The elasticache kind against a real data plane and moto's control plane. The data plane is two
 * Debian redis-server 7 nodes serving TLS only, with an AUTH token (test/support/tlsRedis.ts): the
 * canary goes over TLS with the token read from its file, a wrong token or a CA the endpoint does
 * not chain to is refused at once. The control plane is moto 5.2.5's ElastiCache and CloudWatch
 * (server mode). What moto fakes, and so what this file cannot prove: replication groups are
 * created, described, modified and deleted, but nothing replicates and nothing fails over;
 * TestFailover, every Global Datastore call and DescribeEvents are not implemented (moto answers 500
 * with an HTML page), so those steps must fail closed, and the tests say so. moto publishes no
 * CloudWatch metrics: the test puts the ReplicationLag datapoints ElastiCache would.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateReplicationGroupCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { createElasticacheActivities } from '../kinds/elasticache/activities';
import { makeLabCertificates } from '../store/certificates';
import { redisCanaryKey } from '../kinds/kit/activities/canary';
import { freePort } from './support/ports';
import { failureOf, startMotoAws, type MotoAws } from './support/motoAws';
import { drillSteps, inputOf, stackPlan } from './support/stackPlan';
import { startTlsRedisPair, type TlsRedisPair } from './support/tlsRedis';

jest.setTimeout(120_000);

let moto: MotoAws;
let redis: TlsRedisPair;
let acts: ReturnType<typeof createElasticacheActivities>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-elasticache-'));

beforeAll(async () => {
  [moto, redis] = await Promise.all([startMotoAws(await freePort(), dir), startTlsRedisPair(path.join(dir, 'redis'))]);
  acts = createElasticacheActivities({ aws: () => moto.clients });
  // As an operator made it: Multi-AZ with automatic failover, in-transit encryption, an AUTH token.
  await moto.clients.elasticache('us-east-1').send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: 'opencti-cache',
      ReplicationGroupDescription: 'OpenCTI cache',
      Engine: 'redis',
      CacheNodeType: 'cache.r6g.large',
      ReplicasPerNodeGroup: 1,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      TransitEncryptionEnabled: true,
      AuthToken: redis.token,
    }),
  );
});
afterAll(async () => {
  await Promise.all([moto?.stop(), redis?.stop()]);
});

type Over = { tls?: unknown; authToken?: unknown };
const multiAz = (over: Over = {}) =>
  drillSteps(
    stackPlan({
      cache: {
        kind: 'elasticache',
        mode: 'multi-az',
        tls: { ca: { file: redis.certs.caFile } },
        authToken: { file: redis.tokenFile },
        catchUpTimeout: '5s',
        waitTimeout: '2s',
        pollInterval: '200ms',
        primary: {
          region: 'us-east-1',
          replicationGroup: 'opencti-cache',
          member: 'opencti-cache-001',
          host: '127.0.0.1',
          port: redis.ports.primary,
        },
        secondary: {
          region: 'us-east-1',
          replicationGroup: 'opencti-cache',
          member: 'opencti-cache-002',
          host: '127.0.0.1',
          port: redis.ports.secondary,
        },
        ...over,
      },
    }),
  );
const putLag = (seconds: number, at: Date) =>
  moto.clients.cloudwatch('us-east-1').send(
    new PutMetricDataCommand({
      Namespace: 'AWS/ElastiCache',
      MetricData: [
        {
          MetricName: 'ReplicationLag',
          Dimensions: [
            { Name: 'CacheClusterId', Value: 'opencti-cache-002' },
            { Name: 'CacheNodeId', Value: '0001' },
          ],
          Value: seconds,
          Unit: 'Seconds',
          Timestamp: at,
        },
      ],
    }),
  );

test('preflight reads the primary node from DescribeReplicationGroups and reaches both endpoints over TLS with the AUTH token', async () => {
  const pre = await acts.elasticachePreflight(
    inputOf('elasticachePreflight', multiAz(), 'preparation.cache.preflight.primary'),
  );
  expect(pre.summary).toMatch(
    /ElastiCache multi-az is primary on dc1 \(primary\) and available \(opencti-cache available, node group 0001 available, primary opencti-cache-001 in us-east-1a\); dc1 answers as master at offset \d+, 1 replica/,
  );
  expect(pre.summary).toMatch(new RegExp(`dc2 as replica of 127\\.0\\.0\\.1:${redis.ports.primary}, link up`));
});

test("a replication group ElastiCache does not know is refused, naming the plan's field", async () => {
  const steps = drillSteps(
    stackPlan({
      cache: {
        kind: 'elasticache',
        mode: 'multi-az',
        tls: { ca: { file: redis.certs.caFile } },
        authToken: { file: redis.tokenFile },
        primary: {
          region: 'us-east-1',
          replicationGroup: 'opencti-cahce',
          member: 'opencti-cahce-001',
          host: '127.0.0.1',
          port: 1,
        },
        secondary: {
          region: 'us-east-1',
          replicationGroup: 'opencti-cahce',
          member: 'opencti-cahce-002',
          host: '127.0.0.1',
          port: 2,
        },
      },
    }),
  );
  const failure = await failureOf(
    acts.elasticachePreflight(inputOf('elasticachePreflight', steps, 'preparation.cache.preflight.primary')),
  );
  expect(failure).toMatchObject({ type: 'ReplicationGroupNotFoundFault', nonRetryable: true });
  expect(failure?.message).toMatch(
    /ElastiCache replication group opencti-cahce in us-east-1: DescribeReplicationGroups: ReplicationGroupNotFoundFault.*; check the plan's primary\.replicationGroup and primary\.region/,
  );
});

test('a wrong AUTH token, and a CA the endpoint does not chain to, fail closed at once saying what to check', async () => {
  const wrongToken = path.join(dir, 'wrong-token');
  writeFileSync(wrongToken, 'not-the-token\n');
  const auth = await failureOf(
    acts.elasticacheHealth(
      inputOf('elasticacheHealth', multiAz({ authToken: { file: wrongToken } }), 'preparation.cache.health.primary'),
    ),
  );
  expect(auth).toMatchObject({ type: 'RedisAuth', nonRetryable: true });
  expect(auth?.message).toMatch(
    /cache on dc1 \(127\.0\.0\.1:\d+\) refused the drill's AUTH token: WRONGPASS.*Check the plan's authToken reference/,
  );
  expect(auth?.message).not.toContain('not-the-token');

  // Another lab CA: the endpoint's certificate does not chain to it.
  const stranger = await makeLabCertificates(path.join(dir, 'stranger-ca'));
  const untrusted = await failureOf(
    acts.elasticacheHealth(
      inputOf(
        'elasticacheHealth',
        multiAz({ tls: { ca: { file: stranger.caFile } } }),
        'preparation.cache.health.primary',
      ),
    ),
  );
  expect(untrusted).toMatchObject({ type: 'TlsUntrusted', nonRetryable: true });
  expect(untrusted?.message).toMatch(
    /cache on dc1 \(127\.0\.0\.1:\d+\): its TLS certificate does not verify \(.*(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT).*\); check that the plan's tls\.ca/,
  );
});

test('the guard refuses while CloudWatch has no lag datapoint or one over the RPO; within it, the canary written on the primary over TLS is read on the replica', async () => {
  const steps = multiAz();
  const guard = () => acts.elasticacheGuard(inputOf('elasticacheGuard', steps, 'failover.cache.guard.secondary'));
  // moto publishes no ElastiCache metrics: no datapoint, so the lag cannot be told.
  const unknown = await failureOf(guard());
  expect(unknown).toMatchObject({ type: 'ReplicationLagUnknown', nonRetryable: false });
  expect(unknown?.message).toMatch(
    /CloudWatch has no ReplicationLag datapoint for opencti-cache-002 in us-east-1 in the last 5 minutes: .* the failover does not go ahead/,
  );
  await putLag(90, new Date(Date.now() - 4 * 60_000));
  const over = await failureOf(guard());
  expect(over).toMatchObject({ type: 'ReplicationLagOverRpo' });
  expect(over?.message).toMatch(/opencti-cache-002 lags 90s behind \(ReplicationLag\), more than the RPO of 60s/);
  // ElastiCache publishes once a minute: the newest datapoint decides.
  await putLag(1, new Date(Date.now() - 70_000));
  const ok = await guard();
  expect(ok.summary).toMatch(
    /ElastiCache ReplicationLag of opencti-cache-002: 1s \(RPO 60s\); canary key written on dc1 and read on dc2 after/,
  );
  // The outcome: the canary key is on the replica, as an application reading it there sees it.
  const key = redisCanaryKey({ drillId: 'drill-misp-test' }, 'primary-to-secondary');
  expect(await redis.client(redis.ports.secondary, (c) => c.sendCommand(['GET', key]))).toEqual(expect.any(String));
});

test('TestFailover fails closed against moto, which does not implement it: the failover could not be confirmed, and nothing moved', async () => {
  const failure = await failureOf(
    acts.elasticacheActivate(inputOf('elasticacheActivate', multiAz(), 'failover.cache.activate.secondary')),
  );
  expect(failure).toMatchObject({ type: 'ElasticacheActionNotImplemented', nonRetryable: true });
  expect(failure?.message).toMatch(
    /ElastiCache TestFailover of opencti-cache node group 0001: this endpoint does not implement TestFailover \(HTTP 500, .*\), so a failover to opencti-cache-002 could not be confirmed/,
  );
  const group = await moto.clients
    .elasticache('us-east-1')
    .send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'opencti-cache' }));
  expect(
    group.ReplicationGroups?.[0]?.NodeGroups?.[0]?.NodeGroupMembers?.find((m) => m.CurrentRole === 'primary')
      ?.CacheClusterId,
  ).toBe('opencti-cache-001');
});

test('a Global Datastore cannot even be looked at on moto (no DescribeGlobalReplicationGroups): preflight fails closed', async () => {
  const global = drillSteps(
    stackPlan({
      cache: {
        kind: 'elasticache',
        mode: 'global-datastore',
        globalReplicationGroup: 'ldgnf-opencti-cache',
        tls: { ca: { file: redis.certs.caFile } },
        authToken: { file: redis.tokenFile },
        primary: {
          region: 'eu-west-1',
          replicationGroup: 'opencti-cache-euw1',
          host: '127.0.0.1',
          port: redis.ports.primary,
        },
        secondary: {
          region: 'eu-central-1',
          replicationGroup: 'opencti-cache-euc1',
          host: '127.0.0.1',
          port: redis.ports.secondary,
        },
      },
    }),
  );
  const failure = await failureOf(
    acts.elasticachePreflight(inputOf('elasticachePreflight', global, 'preparation.cache.preflight.primary')),
  );
  expect(failure).toMatchObject({ type: 'ElasticacheActionNotImplemented', nonRetryable: true });
  expect(failure?.message).toMatch(
    /Global Datastore ldgnf-opencti-cache \(asked in eu-central-1\): this endpoint does not implement DescribeGlobalReplicationGroups .*, so which region is primary could not be confirmed/,
  );
});

test('verify: before the switch the replica refuses writes; once the primary moved (the lab does what ElastiCache does inside), the new side writes and holds the canary, the old refuses writes', async () => {
  const steps = multiAz();
  const verify = () =>
    acts.elasticacheVerify(inputOf('elasticacheVerify', steps, 'failover-check.cache.verify.secondary'));
  const before = await failureOf(verify());
  expect(before).toMatchObject({ type: 'NotWritable' });
  expect(before?.message).toMatch(/cache on dc2 does not take writes after the switch \(READONLY/);
  // ElastiCache's failover, which the drill never sends itself (ElastiCache refuses REPLICAOF).
  await redis.client(redis.ports.secondary, (c) => c.sendCommand(['REPLICAOF', 'NO', 'ONE']));
  await redis.client(redis.ports.primary, (c) =>
    c.sendCommand(['REPLICAOF', '127.0.0.1', String(redis.ports.secondary)]),
  );
  const after = await verify();
  expect(after.summary).toMatch(/cache on dc2 takes writes and holds the canary key; dc1 refuses writes \(READONLY/);
});

test('in an outage with the serving node gone, the guard records the lag and says no canary was written; the promotion still fails closed on moto', async () => {
  // Last: it kills dc1's node for good.
  await redis.kill(redis.ports.primary);
  const outage = drillSteps(
    stackPlan({
      cache: {
        kind: 'elasticache',
        mode: 'multi-az',
        tls: { ca: { file: redis.certs.caFile } },
        authToken: { file: redis.tokenFile },
        waitTimeout: '2s',
        pollInterval: '200ms',
        primary: {
          region: 'us-east-1',
          replicationGroup: 'opencti-cache',
          member: 'opencti-cache-001',
          host: '127.0.0.1',
          port: redis.ports.primary,
        },
        secondary: {
          region: 'us-east-1',
          replicationGroup: 'opencti-cache',
          member: 'opencti-cache-002',
          host: '127.0.0.1',
          port: redis.ports.secondary,
        },
      },
    }),
    'failover',
  );
  const guard = await acts.elasticacheGuard(inputOf('elasticacheGuard', outage, 'failover.cache.guard.secondary'));
  expect(guard.summary).toMatch(
    /ElastiCache ReplicationLag of opencti-cache-002: 1s \(RPO 60s\); dc1 does not answer \(.*\), so no canary key was written/,
  );
  const promote = await failureOf(
    acts.elasticacheActivate(inputOf('elasticacheActivate', outage, 'failover.cache.activate.secondary')),
  );
  expect(promote).toMatchObject({ type: 'ElasticacheActionNotImplemented', nonRetryable: true });
});
