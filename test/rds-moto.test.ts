/**
 * The rds kind against moto's server mode (a port of DRILLBOOK_TEST_PORTS). moto fakes parts of
 * RDS, and each test says which: a Multi-AZ reboot with failover is accepted and changes nothing (no AZ swap, no
 * standby zone reported), so the drill must refuse to call it done; a read-replica promotion is
 * real enough to drive (moto keeps naming the old source afterwards: the drill's own tag decides);
 * moto publishes no CloudWatch metrics, so the test puts the ReplicaLag datapoints RDS would; an
 * Aurora cluster failover flips the writer at once (AWS takes about a minute, restarting it). Every
 * misconfigured plan (unknown instance, an instance that is not Multi-AZ) is refused, not retried.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-rds';
import { createRdsActivities, PROMOTED_TAG } from '../kinds/rds/activities';
import { freePort } from './support/ports';
import { failureOf, startMotoAws, type MotoAws } from './support/motoAws';
import { drillSteps, inputOf, stackPlan } from './support/stackPlan';

describe('rds on moto', () => {
  let moto: MotoAws;
  let rds: ReturnType<typeof createRdsActivities>;

  const create = (id: string, multiAZ: boolean) =>
    moto.clients.rds().send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: 'mysql',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-secret-1',
        MultiAZ: multiAZ,
        AvailabilityZone: 'us-east-1a',
      }),
    );
  const multiAz = (instance: string) =>
    drillSteps(
      stackPlan({
        db: {
          kind: 'rds',
          mode: 'multi-az',
          instance,
          waitTimeout: '2s',
          pollInterval: '200ms',
          primary: { availabilityZone: 'us-east-1a' },
          secondary: { availabilityZone: 'us-east-1b' },
        },
      }),
    );
  const replica = (secondary = 'misp-db-dr') =>
    drillSteps(
      stackPlan({
        db: {
          kind: 'rds',
          mode: 'read-replica',
          waitTimeout: '5s',
          pollInterval: '200ms',
          primary: { instance: 'misp-db-main' },
          secondary: { instance: secondary },
        },
      }),
    );
  const putLag = (seconds: number, at: Date) =>
    moto.clients.cloudwatch().send(
      new PutMetricDataCommand({
        Namespace: 'AWS/RDS',
        MetricData: [
          {
            MetricName: 'ReplicaLag',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'misp-db-dr' }],
            Value: seconds,
            Unit: 'Seconds',
            Timestamp: at,
          },
        ],
      }),
    );

  beforeAll(async () => {
    moto = await startMotoAws(await freePort(), mkdtempSync(path.join(os.tmpdir(), 'drillbook-rds-')));
    rds = createRdsActivities({ aws: () => moto.clients });
    await create('misp-db', true);
    await create('misp-db-single', false);
    const main = await create('misp-db-main', false);
    await moto.clients.rds().send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: 'misp-db-dr',
        SourceDBInstanceIdentifier: main.DBInstance?.DBInstanceArn,
        DBInstanceClass: 'db.t3.micro',
      }),
    );
    await moto.clients.rds().send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'misp-aurora',
        Engine: 'aurora-mysql',
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-secret-1',
      }),
    );
    // The first member created is the writer.
    for (const id of ['misp-aurora-a', 'misp-aurora-b']) {
      await moto.clients.rds().send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          DBClusterIdentifier: 'misp-aurora',
          Engine: 'aurora-mysql',
          DBInstanceClass: 'db.r6g.large',
        }),
      );
    }
  });
  afterAll(() => moto?.stop());

  describe('Multi-AZ reboot with failover', () => {
    it("reads the writer's zone; moto reports no standby zone, and the summary says so", async () => {
      const steps = multiAz('misp-db');
      const pre = await rds.rdsPreflight(inputOf('rdsPreflight', steps, 'preparation.db.preflight.primary'));
      expect(pre.summary).toMatch(
        /RDS multi-az writes on dc1 \(primary\) and is ready: misp-db available in us-east-1a \(RDS does not report the standby zone\)/,
      );
      expect(pre.facts).toMatchObject({
        availabilityZone: 'us-east-1a',
        secondaryAvailabilityZone: null,
        multiAZ: true,
      });
    });

    it('moto accepts the reboot and changes nothing: the drill waits for a state change and refuses to confirm a failover it never saw', async () => {
      const steps = multiAz('misp-db');
      const failure = await failureOf(rds.rdsActivate(inputOf('rdsActivate', steps, 'failover.db.activate.secondary')));
      // On AWS the status leaves `available` and the AZ moves to us-east-1b; moto does neither.
      expect(failure).toMatchObject({ type: 'RdsSwitchNotObserved', nonRetryable: false });
      expect(failure?.message).toMatch(
        /RDS accepted the request \(rebooted misp-db with failover\) but showed no change within 2s \(still misp-db available in us-east-1a.*\): the switch to dc2 \(secondary\) cannot be confirmed/,
      );
      const after = await moto.clients.rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'misp-db' }));
      expect(after.DBInstances?.[0]).toMatchObject({ DBInstanceStatus: 'available', AvailabilityZone: 'us-east-1a' });
    });

    it('refuses a plan naming an instance RDS does not know, or one that is not Multi-AZ, with what to fix', async () => {
      const unknown = await failureOf(
        rds.rdsPreflight(inputOf('rdsPreflight', multiAz('misp-db-typo'), 'preparation.db.preflight.primary')),
      );
      expect(unknown).toMatchObject({ nonRetryable: true });
      expect(unknown?.message).toMatch(
        /RDS instance misp-db-typo in us-east-1: DBInstanceNotFound.*; check the plan's instance and its region/,
      );
      const single = await failureOf(
        rds.rdsPreflight(inputOf('rdsPreflight', multiAz('misp-db-single'), 'preparation.db.preflight.primary')),
      );
      expect(single).toMatchObject({ type: 'RdsMisconfigured', nonRetryable: true });
      expect(single?.message).toMatch(/misp-db-single is not Multi-AZ: there is no standby to fail over to/);
    });
  });

  describe('cross-region read-replica promotion', () => {
    it("refuses to promote while the replica's lag cannot be told, or is over the RPO", async () => {
      const steps = replica();
      // moto publishes no RDS metrics: without a datapoint the guard cannot tell, and fails.
      const unknown = await failureOf(rds.rdsGuard(inputOf('rdsGuard', steps, 'failover.db.guard.secondary')));
      expect(unknown).toMatchObject({ type: 'ReplicaLagUnknown', nonRetryable: false });
      expect(unknown?.message).toMatch(/no ReplicaLag datapoint for misp-db-dr .* the promotion does not go ahead/);
      await putLag(120, new Date(Date.now() - 4 * 60_000));
      const over = await failureOf(rds.rdsGuard(inputOf('rdsGuard', steps, 'failover.db.guard.secondary')));
      expect(over).toMatchObject({ type: 'ReplicaLagOverRpo' });
      expect(over?.message).toMatch(/replica misp-db-dr lags 120s behind, more than the RPO of 60s/);
      // RDS publishes ReplicaLag once a minute: the newest complete minute decides.
      await putLag(2, new Date(Date.now() - 70_000));
      const ok = await rds.rdsGuard(inputOf('rdsGuard', steps, 'failover.db.guard.secondary'));
      expect(ok.summary).toMatch(/RDS replica misp-db-dr may be promoted: lag 2s \(RPO 60s\)/);
    });

    it('promotes the replica, tags it, and finds it promoted when run again', async () => {
      const steps = replica();
      const promoted = await rds.rdsActivate(inputOf('rdsActivate', steps, 'failover.db.activate.secondary'));
      expect(promoted.summary).toMatch(/RDS writes on dc2 \(secondary\) after .*s \(promoted misp-db-dr\)/);
      const db = (await moto.clients.rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'misp-db-dr' })))
        .DBInstances?.[0];
      const tags = await moto.clients.rds().send(new ListTagsForResourceCommand({ ResourceName: db?.DBInstanceArn }));
      expect(tags.TagList?.map((t) => t.Key)).toContain(PROMOTED_TAG);
      // moto (like RDS for a while) still names the old source after the promotion: the tag is what the drill trusts.
      expect(db?.ReadReplicaSourceDBInstanceIdentifier).toBeDefined();
      const again = await rds.rdsActivate(inputOf('rdsActivate', steps, 'failover.db.activate.secondary'));
      expect(again.summary).toMatch(/RDS already writes on dc2 \(secondary\).*nothing to do/);
      expect(again.facts).toMatchObject({ changed: false });
      const health = await rds.rdsHealth(inputOf('rdsHealth', steps, 'failover-check.db.health.secondary'));
      expect(health.summary).toMatch(/RDS writes on dc2 \(secondary\): .*misp-db-dr available, promoted by a drill/);
    });

    it("an outage never asks the lost primary's region: guard, promotion and health read the replica's alone", async () => {
      const main = await moto.clients
        .rds()
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'misp-db-main' }));
      await moto.clients.rds().send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: 'misp-db-outage',
          SourceDBInstanceIdentifier: main.DBInstances?.[0]?.DBInstanceArn,
          DBInstanceClass: 'db.t3.micro',
        }),
      );
      // The primary's region is gone: any RDS call there fails as an unreachable endpoint would (moto
      // holds both instances in one region; the plan's region on the primary stands for the lost one).
      const askedDead: string[] = [];
      const regionLost = createRdsActivities({
        aws: () => ({
          ...moto.clients,
          rds: (region?: string) => {
            if (region === 'eu-west-3') {
              askedDead.push(region);
              throw new Error('connect ETIMEDOUT rds.eu-west-3.amazonaws.com:443');
            }
            return moto.clients.rds(region);
          },
        }),
      });
      const steps = drillSteps(
        stackPlan({
          db: {
            kind: 'rds',
            mode: 'read-replica',
            waitTimeout: '5s',
            pollInterval: '200ms',
            primary: { instance: 'misp-db-main', region: 'eu-west-3' },
            secondary: { instance: 'misp-db-outage', region: 'us-east-1' },
          },
        }),
        'failover',
      );
      const guard = await regionLost.rdsGuard(inputOf('rdsGuard', steps, 'failover.db.guard.secondary'));
      expect(guard.summary).toMatch(
        /may be promoted: .*misp-db-outage available, a replica of .*misp-db-main not asked \(an outage: its region may be gone\)/,
      );
      const promoted = await regionLost.rdsActivate(inputOf('rdsActivate', steps, 'failover.db.activate.secondary'));
      expect(promoted.summary).toMatch(/RDS writes on dc2 \(secondary\) after .*s \(promoted misp-db-outage\)/);
      const health = await regionLost.rdsHealth(inputOf('rdsHealth', steps, 'failover-check.db.health.secondary'));
      expect(health.summary).toMatch(/RDS writes on dc2 \(secondary\): misp-db-outage available, promoted by a drill/);
      expect(askedDead).toEqual([]);
    });

    it("refuses a plan whose replica RDS does not know, naming the plan's field", async () => {
      const failure = await failureOf(
        rds.rdsPreflight(inputOf('rdsPreflight', replica('misp-db-drr'), 'preparation.db.preflight.primary')),
      );
      expect(failure).toMatchObject({ nonRetryable: true });
      expect(failure?.message).toMatch(
        /RDS instance misp-db-drr in us-east-1: DBInstanceNotFound.*check the plan's secondary.instance and its region/,
      );
    });
  });

  describe('Aurora cluster failover', () => {
    const aurora = (secondary = 'misp-aurora-b') =>
      drillSteps(
        stackPlan({
          db: {
            kind: 'rds',
            mode: 'aurora-cluster',
            cluster: 'misp-aurora',
            waitTimeout: '5s',
            pollInterval: '200ms',
            primary: { instance: 'misp-aurora-a' },
            secondary: { instance: secondary },
          },
        }),
      );

    it("moves the writer to the secondary's member and finds it there when run again", async () => {
      const steps = aurora();
      const before = await rds.rdsPreflight(inputOf('rdsPreflight', steps, 'preparation.db.preflight.primary'));
      expect(before.summary).toMatch(/cluster misp-aurora available, writer misp-aurora-a/);
      const moved = await rds.rdsActivate(inputOf('rdsActivate', steps, 'failover.db.activate.secondary'));
      expect(moved.summary).toMatch(
        /RDS writes on dc2 \(secondary\) after .*s \(failed misp-aurora over to misp-aurora-b\)/,
      );
      const cluster = (
        await moto.clients.rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'misp-aurora' }))
      ).DBClusters?.[0];
      expect(cluster?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier).toBe('misp-aurora-b');
      const again = await rds.rdsActivate(inputOf('rdsActivate', steps, 'failover.db.activate.secondary'));
      expect(again.facts).toMatchObject({ changed: false });
    });

    it('refuses a plan naming an instance that is not a member of the cluster, listing the members', async () => {
      const failure = await failureOf(
        rds.rdsPreflight(inputOf('rdsPreflight', aurora('misp-aurora-c'), 'preparation.db.preflight.primary')),
      );
      expect(failure).toMatchObject({ type: 'RdsMisconfigured', nonRetryable: true });
      expect(failure?.message).toMatch(
        /Aurora cluster misp-aurora has no member misp-aurora-c \(the plan's secondary.instance\); members: misp-aurora-a, misp-aurora-b/,
      );
    });
  });
});
