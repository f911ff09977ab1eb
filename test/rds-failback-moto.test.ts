/**
 * Failing back RDS without a person, against moto's server mode (a port of DRILLBOOK_TEST_PORTS):
 * a cross-region read replica promoted by the failover is failed back step by step as the runbook
 * orders them (keep the old primary aside, re-create it as the new writer's replica, wait until
 * within the RPO, promote, keep the standby aside, re-create its replica, check it caught up), each
 * step run twice to show it finds its work done; then the roles are asserted: the primary region
 * writes, the standby region has a replica of it.
 *
 * What moto does not prove: no data is copied (moto's replica is a copy of the source's record, not
 * of its rows), there is no replication lag (moto publishes no ReplicaLag: the test puts the
 * datapoints RDS would), snapshots and renames complete at once (AWS: minutes), and moto keeps a
 * Multi-AZ instance in its zone on a reboot with failover, so the in-region failover must report the
 * switch as not observed. Aurora global switchover and failover are not implemented by moto (HTML
 * 500): both fail closed, naming the call. FIELD-NOTES 12.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateGlobalClusterCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeGlobalClustersCommand,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { createRdsActivities, PROMOTED_TAG } from '../kinds/rds/activities';
import { keptAside } from '../kinds/rds/activities/rebuild';
import { freePort } from './support/ports';
import { startMotoAws, type MotoAws } from './support/motoAws';
import { drillSteps, inputOf, stackPlan } from './support/stackPlan';
import type { ActivityStepAction, Step } from '../domain';

const EU_WEST = 'eu-west-1';
const EU_CENTRAL = 'eu-central-1';
const DRILL = 'drill-misp-failback';

describe('rds failback on moto', () => {
  let moto: MotoAws;
  let rds: ReturnType<typeof createRdsActivities>;

  const describeDb = async (id: string, region: string): Promise<DBInstance | undefined> =>
    (
      await moto.clients
        .rds(region)
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
        .catch(() => undefined)
    )?.DBInstances?.[0];
  const putLag = (id: string, region: string, seconds: number) =>
    moto.clients.cloudwatch(region).send(
      new PutMetricDataCommand({
        Namespace: 'AWS/RDS',
        MetricData: [
          {
            MetricName: 'ReplicaLag',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: id }],
            Value: seconds,
            Unit: 'Seconds',
            // moto counts datapoints strictly before the EndTime, which it truncates to the second.
            Timestamp: new Date(Date.now() - 2000),
          },
        ],
      }),
    );
  /** The activity of the step, as the workflow would call it. */
  const run = (steps: Step[], id: string, drillId = DRILL) => {
    const step = steps.find((s) => s.id === id);
    if (!step) throw new Error(`no step ${id}`);
    const action = step.action as ActivityStepAction & keyof typeof rds;
    return rds[action](inputOf(action, steps, id, drillId) as never);
  };
  /** The failure's details (the facts the step's record keeps) with its type. */
  const failed = async (work: Promise<unknown>) => {
    try {
      await work;
    } catch (error) {
      const e = error as { type?: string; message: string; nonRetryable?: boolean; details?: unknown[] };
      return { type: e.type, message: e.message, nonRetryable: e.nonRetryable, facts: e.details?.[0] };
    }
    throw new Error('expected the step to fail');
  };

  const readReplica = () =>
    drillSteps(
      stackPlan({
        db: {
          kind: 'rds',
          mode: 'read-replica',
          waitTimeout: '2s',
          pollInterval: '100ms',
          primary: { instance: 'misp-db-euw1', region: EU_WEST, multiAz: true },
          secondary: { instance: 'misp-db-euc1', region: EU_CENTRAL },
        },
      }),
    );

  beforeAll(async () => {
    moto = await startMotoAws(await freePort(), mkdtempSync(path.join(os.tmpdir(), 'drillbook-rds-failback-')));
    rds = createRdsActivities({ aws: () => moto.clients });
    const main = await moto.clients.rds(EU_WEST).send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'misp-db-euw1',
        Engine: 'mysql',
        DBInstanceClass: 'db.t3.small',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-secret-1',
        MultiAZ: true,
      }),
    );
    await moto.clients.rds(EU_CENTRAL).send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: 'misp-db-euc1',
        SourceDBInstanceIdentifier: main.DBInstance?.DBInstanceArn,
      }),
    );
  });
  afterAll(() => moto?.stop());

  it('moto keeps a Multi-AZ instance in its zone on a reboot with failover: the failover inside the region is reported not observed, with its zones on the record', async () => {
    const failure = await failed(run(readReplica(), 'pre-reboot.db.multi-az-failover.primary'));
    // Not retried: every attempt would fail over once more on AWS.
    expect(failure).toMatchObject({ type: 'RdsMultiAzNotObserved', nonRetryable: true });
    expect(failure.message).toMatch(
      /RDS accepted the reboot with failover of misp-db-euw1 but the writer stayed in eu-west-1a \(available; standby zone not reported\) for \ds: the Multi-AZ failover inside dc1 \(primary\) was not observed/,
    );
    expect(failure.facts).toMatchObject({
      availabilityZoneBefore: 'eu-west-1a',
      availabilityZoneAfter: 'eu-west-1a',
      secondaryAvailabilityZoneBefore: null,
      statusesSeen: ['available'],
    });
  });

  it('before a failover (the way back of one aborted before the promotion), the failback finds nothing to do and sets nothing aside', async () => {
    const steps = readReplica();
    for (const id of ['failback.db.retire.primary', 'failback.db.replica.primary']) {
      const step = await run(steps, id);
      expect(step.summary).toBe('nothing to fail back: misp-db-euw1 still writes and misp-db-euc1 replicates it');
    }
    const snapshots = await moto.clients
      .rds(EU_WEST)
      .send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'misp-db-euw1', SnapshotType: 'manual' }));
    expect(snapshots.DBSnapshots ?? []).toEqual([]);
    expect(await describeDb('misp-db-euw1', EU_WEST)).toMatchObject({ DBInstanceStatus: 'available' });
    expect((await run(steps, 'failback.db.guard.primary')).summary).toMatch(/^RDS already writes on dc1 \(primary\)/);
  });

  it('refuses to set an instance aside when the other side is itself a replica of something else', async () => {
    const steps = drillSteps(
      stackPlan({
        db: {
          kind: 'rds',
          mode: 'read-replica',
          waitTimeout: '2s',
          pollInterval: '100ms',
          primary: { instance: 'misp-db-other', region: EU_WEST },
          secondary: { instance: 'misp-db-euc1', region: EU_CENTRAL },
        },
      }),
    );
    await moto.clients.rds(EU_WEST).send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'misp-db-other',
        Engine: 'mysql',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-secret-1',
      }),
    );
    const failure = await failed(run(steps, 'failback.db.retire.primary'));
    expect(failure).toMatchObject({ type: 'RdsWrongSide', nonRetryable: true });
    expect(failure.message).toMatch(
      /misp-db-euc1 \(dc2 \(secondary\)\) is itself a replica of .*misp-db-euw1, so nothing can be rebuilt from it: fail over to dc2 first/,
    );
    expect(await describeDb('misp-db-other', EU_WEST)).toMatchObject({ DBInstanceStatus: 'available' });
  });

  it('fails a promoted replica back: the old primary is re-created as a replica, caught up, promoted, and the standby replicates it again', async () => {
    const steps = readReplica();
    // The failover the failback undoes: the replica in eu-central-1 is promoted.
    await putLag('misp-db-euc1', EU_CENTRAL, 1);
    await run(steps, 'failover.db.guard.secondary');
    await run(steps, 'failover.db.activate.secondary');

    const failback = steps.filter((s) => s.phase === 'failback' || s.phase === 'failback-check');
    expect(failback.filter((s) => s.component === 'db').map((s) => s.id)).toEqual([
      'failback.db.retire.primary',
      'failback.db.replica.primary',
      'failback.db.guard.primary',
      'failback.db.activate.primary',
      'failback.db.retire-standby.secondary',
      'failback.db.standby-replica.secondary',
      'failback-check.db.health.primary',
      'failback-check.db.standby-caught-up.secondary',
    ]);

    const names = keptAside('misp-db-euw1', DRILL);
    const retired = await run(steps, 'failback.db.retire.primary');
    expect(retired.summary).toBe(
      `misp-db-euw1 kept aside: snapshot ${names.snapshot} available, instance renamed to ${names.retired} (its old endpoint no longer answers; delete it once you no longer need it); the name misp-db-euw1 is free for its replica`,
    );
    expect((await run(steps, 'failback.db.retire.primary')).summary).toMatch(
      new RegExp(`misp-db-euw1 is already kept aside as ${names.retired}`),
    );
    const snapshot = await moto.clients
      .rds(EU_WEST)
      .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: names.snapshot }));
    expect(snapshot.DBSnapshots?.[0]).toMatchObject({ DBInstanceIdentifier: 'misp-db-euw1', Status: 'available' });

    // The new replica exists at once in moto, but publishes no lag: the step cannot tell it caught up, and waits, then fails.
    const behind = await failed(run(steps, 'failback.db.replica.primary'));
    expect(behind).toMatchObject({ type: 'RdsReplicaBehind', nonRetryable: false });
    expect(behind.message).toMatch(
      /misp-db-euw1 \(dc1 \(primary\)\) has not caught up with misp-db-euc1 within 2s: CloudWatch has no ReplicaLag datapoint for misp-db-euw1/,
    );
    const replica = await describeDb('misp-db-euw1', EU_WEST);
    expect(replica?.ReadReplicaSourceDBInstanceIdentifier).toMatch(/:db:misp-db-euc1$/);
    // Created with tags of its own: moto copies the source's record, promoted-at tag included, unless the call names them.
    expect(replica?.TagList?.map((t) => t.Key)).not.toContain(PROMOTED_TAG);

    // Once RDS would publish a lag within the RPO (1m), the retried step finds the replica there and passes.
    // (A lag over the RPO is refused by the same comparison as the guard's: test/rds-moto.test.ts.)
    await putLag('misp-db-euw1', EU_WEST, 3);
    expect((await run(steps, 'failback.db.replica.primary')).summary).toBe(
      'misp-db-euw1 is already a replica of misp-db-euc1; misp-db-euw1 (dc1 (primary)) replicates misp-db-euc1: available, lag 3s (RPO 60s)',
    );
    expect((await run(steps, 'failback.db.guard.primary')).summary).toMatch(
      /RDS replica misp-db-euw1 may be promoted: lag 3s \(RPO 60s\)/,
    );

    expect((await run(steps, 'failback.db.activate.primary')).summary).toMatch(
      /RDS writes on dc1 \(primary\) after .*s \(promoted misp-db-euw1\)/,
    );
    expect((await run(steps, 'failback.db.activate.primary')).facts).toMatchObject({ changed: false });
    // A failback run again from its start (say, in mode failback after a worker was lost) finds the first steps done.
    expect((await run(steps, 'failback.db.retire.primary')).summary).toBe(
      'misp-db-euw1 writes again (promoted after misp-db-euc1): the failback is past this step, nothing to keep aside',
    );
    expect((await run(steps, 'failback.db.replica.primary')).summary).toMatch(/^misp-db-euw1 writes again/);

    const standby = keptAside('misp-db-euc1', DRILL);
    expect((await run(steps, 'failback.db.retire-standby.secondary')).summary).toMatch(
      new RegExp(
        `misp-db-euc1 kept aside: snapshot ${standby.snapshot} available, instance renamed to ${standby.retired}`,
      ),
    );
    expect((await run(steps, 'failback.db.standby-replica.secondary')).summary).toBe(
      `asked RDS for misp-db-euc1 in eu-central-1 as a read replica of misp-db-euw1, with the settings of ${standby.retired}; whether it caught up is checked after the switch`,
    );
    expect((await run(steps, 'failback.db.standby-replica.secondary')).summary).toMatch(
      /^misp-db-euc1 is already a replica of misp-db-euw1;/,
    );

    expect((await run(steps, 'failback-check.db.health.primary')).summary).toMatch(
      /RDS writes on dc1 \(primary\): misp-db-euw1 available, promoted by a drill; misp-db-euc1 available, a replica of .*:db:misp-db-euw1/,
    );
    await putLag('misp-db-euc1', EU_CENTRAL, 2);
    expect((await run(steps, 'failback-check.db.standby-caught-up.secondary')).summary).toBe(
      'misp-db-euc1 (dc2 (secondary)) replicates misp-db-euw1: available, lag 2s (RPO 60s)',
    );

    // The roles after the failback: the primary region writes, the standby region replicates it, and
    // what was set aside is still there for a person to delete.
    const primary = await describeDb('misp-db-euw1', EU_WEST);
    expect(primary?.TagList?.map((t) => t.Key)).toContain(PROMOTED_TAG);
    const secondary = await describeDb('misp-db-euc1', EU_CENTRAL);
    expect(secondary?.ReadReplicaSourceDBInstanceIdentifier).toBe(primary?.DBInstanceArn);
    expect(await describeDb(names.retired, EU_WEST)).toBeDefined();
    expect(await describeDb(standby.retired, EU_CENTRAL)).toBeDefined();
    // And the next drill's preflight finds the pair as it started.
    expect((await run(steps, 'preparation.db.preflight.primary')).summary).toMatch(/RDS read-replica writes on dc1/);
  });

  describe('Aurora global: moto implements neither switchover nor failover', () => {
    const global =
      (primaryCluster = 'misp-aurora-euw1') =>
      (mode: 'drill' | 'failover') =>
        drillSteps(
          stackPlan({
            db: {
              kind: 'rds',
              mode: 'aurora-global',
              globalCluster: 'misp-global',
              waitTimeout: '2s',
              pollInterval: '100ms',
              primary: { cluster: primaryCluster, region: EU_WEST },
              secondary: { cluster: 'misp-aurora-euc1', region: EU_CENTRAL },
            },
          }),
          mode,
        );
    const writerOf = async () =>
      (
        await moto.clients
          .rds(EU_WEST)
          .send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: 'misp-global' }))
      ).GlobalClusters?.[0]?.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;

    beforeAll(async () => {
      await moto.clients
        .rds(EU_WEST)
        .send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'misp-global', Engine: 'aurora-mysql' }));
      await moto.clients.rds(EU_WEST).send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: 'misp-aurora-euw1',
          Engine: 'aurora-mysql',
          MasterUsername: 'admin',
          MasterUserPassword: 'not-a-secret-1',
          GlobalClusterIdentifier: 'misp-global',
        }),
      );
      await moto.clients.rds(EU_CENTRAL).send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: 'misp-aurora-euc1',
          Engine: 'aurora-mysql',
          GlobalClusterIdentifier: 'misp-global',
        }),
      );
    });

    it('the outage failover (FailoverGlobalCluster with AllowDataLoss) fails closed, naming the call, and nothing moved', async () => {
      const failure = await failed(run(global()('failover'), 'failover.db.activate.secondary'));
      expect(failure).toMatchObject({ type: 'RdsSwitchNotConfirmed', nonRetryable: false });
      expect(failure.message).toMatch(
        /^Aurora global FailoverGlobalCluster \(AllowDataLoss\) of misp-global to misp-aurora-euc1: .*: the switch to dc2 \(secondary\) could not be confirmed$/s,
      );
      expect(await writerOf()).toMatch(/:cluster:misp-aurora-euw1$/);
    });

    it('the planned switchover fails closed the same way', async () => {
      const failure = await failed(run(global()('drill'), 'failover.db.activate.secondary'));
      expect(failure).toMatchObject({ type: 'RdsSwitchNotConfirmed' });
      expect(failure.message).toMatch(
        /^Aurora global SwitchoverGlobalCluster of misp-global to misp-aurora-euc1: .*: the switch to dc2 \(secondary\) could not be confirmed$/s,
      );
    });

    it("failing back waits for the old region's cluster to rejoin the global cluster before switching back", async () => {
      const steps = global('misp-aurora-gone')('drill');
      const failure = await failed(run(steps, 'failback.db.guard.primary'));
      expect(failure).toMatchObject({ type: 'RdsNotRejoined', nonRetryable: false });
      expect(failure.message).toMatch(
        /^misp-aurora-gone \(dc1 \(primary\)\) has not rejoined global cluster misp-global yet \(members: .*:cluster:misp-aurora-euw1, .*:cluster:misp-aurora-euc1\): nothing to switch back to$/,
      );
      // A member again (moto: it never left), the guard reads the rejoin; the primary still writes, so nothing is to do.
      const back = await run(global()('drill'), 'failback.db.guard.primary');
      expect(back.facts).toMatchObject({
        rejoin: { isWriter: true, member: expect.stringMatching(/misp-aurora-euw1$/) },
      });
    });
  });
});
