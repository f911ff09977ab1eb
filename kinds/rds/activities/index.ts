/**
 * The rds* activities. Every switch looks first (already writing where it should: nothing to do),
 * acts, then waits for a state change before waiting for `available`: RDS waiters poll at once and
 * would pass before a reboot even started. A failover that cannot be confirmed fails. The way back
 * from a promoted replica (./rebuild.ts) and the Multi-AZ failover inside a site (./inSite.ts) have
 * files of their own.
 */
import { ApplicationFailure } from '@temporalio/common';
import { failRetryable } from '../../kit/activities/failures';
import type { Observation, StepDrivers, StepInput } from '../../kit/activities/types';
import type { AwsClients } from '../../kit/aws/clients';
import { runManagedSwitch } from '../../kit/aws/managedSwitch';
import type { RdsAction, RdsArgs } from '../actions';
import { globalCluster, label, replicaLagSeconds, sameId, writer } from './describe';
import { failOverInSite } from './inSite';
import { caughtUp, createReplica, retire } from './rebuild';
import { switchTo } from './switch';

export { PROMOTED_TAG } from './describe';

/**
 * Aurora global, failing back: the old primary's cluster must be a member again (after an outage
 * failover RDS adds it back as a secondary once its region answers) and in sync before a switchover.
 */
async function rejoined(clients: AwsClients, args: RdsArgs): Promise<Observation> {
  const g = await globalCluster(clients, args);
  const cluster = args.sites[args.to].cluster as string;
  const member = (g.GlobalClusterMembers ?? []).find((m) => sameId(m.DBClusterArn, cluster));
  const facts = {
    globalCluster: g.GlobalClusterIdentifier,
    status: g.Status,
    member: member?.DBClusterArn ?? null,
    isWriter: member?.IsWriter ?? null,
    synchronizationStatus: member?.SynchronizationStatus ?? null,
    failoverState: g.FailoverState ?? null,
  };
  if (!member)
    failRetryable(
      `${cluster} (${label(args, args.to)}) has not rejoined global cluster ${g.GlobalClusterIdentifier} yet (members: ${(g.GlobalClusterMembers ?? []).map((m) => m.DBClusterArn).join(', ')}): nothing to switch back to`,
      'RdsNotRejoined',
      facts,
    );
  if (member.SynchronizationStatus === 'pending-resync' || g.FailoverState?.Status || g.Status !== 'available')
    failRetryable(
      `${cluster} (${label(args, args.to)}) is back in ${g.GlobalClusterIdentifier} but not ready to take over: global cluster ${g.Status}${g.FailoverState?.Status ? `, ${g.FailoverState.Status}` : ''}, synchronization ${member.SynchronizationStatus ?? 'not reported'}`,
      'RdsNotRejoined',
      facts,
    );
  return {
    summary: `${cluster} (${label(args, args.to)}) is a member of ${g.GlobalClusterIdentifier} again (${member.IsWriter ? 'writing' : 'secondary'}, synchronization ${member.SynchronizationStatus ?? 'not reported'})`,
    facts,
  };
}

/** An RDS writer is where it serves. */
const RDS_WORDS = {
  serves: 'writes on',
  servesNot: 'does not write on',
  alreadyServes: 'already writes on',
  toServe: 'write on',
};

export function createRdsActivities(deps: { aws: () => AwsClients }): StepDrivers<RdsAction> {
  return {
    async rdsPreflight(input: StepInput<'rdsPreflight'>): Promise<Observation> {
      const args = input.step.args;
      const now = await writer(deps.aws(), args);
      if (now.site !== args.from) {
        throw ApplicationFailure.nonRetryable(
          `RDS (${args.mode}) writes on ${now.site ? label(args, now.site) : 'neither site the plan names'}, not on ${label(args, args.from)}: ${now.said}; fix the plan or fail back first`,
          'RdsWrongSide',
        );
      }
      if (!now.available)
        throw ApplicationFailure.retryable(`RDS is not available: ${now.said}`, 'RdsNotAvailable', now.facts);
      return {
        summary: `RDS ${args.mode} writes on ${label(args, args.from)} and is ready: ${now.said}`,
        facts: now.facts,
      };
    },

    async rdsHealth(input: StepInput<'rdsHealth'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const now = await writer(deps.aws(), args);
      if (args.serving !== false && now.site !== site)
        throw ApplicationFailure.retryable(
          `RDS does not write on ${label(args, site)}: ${now.said}`,
          'RdsNotServing',
          now.facts,
        );
      if (!now.available)
        throw ApplicationFailure.retryable(`RDS is not available: ${now.said}`, 'RdsNotAvailable', now.facts);
      return {
        summary: `RDS ${args.serving === false ? `stands by on ${label(args, site)}` : `writes on ${label(args, site)}`}: ${now.said}`,
        facts: now.facts,
      };
    },

    /** Before a switch: the target is ready and, for a promotion, the replica's lag (CloudWatch ReplicaLag) is within the RPO. */
    async rdsGuard(input: StepInput<'rdsGuard'>): Promise<Observation> {
      const args = input.step.args;
      // Failing back, the old primary's cluster may not be a member yet: asked before the writer is.
      const back =
        args.mode === 'aurora-global' && args.to === 'primary' ? await rejoined(deps.aws(), args) : undefined;
      const now = await writer(deps.aws(), args);
      const facts: Record<string, unknown> = { ...now.facts, ...(back ? { rejoin: back.facts } : {}) };
      if (now.site === args.to) return { summary: `RDS already writes on ${label(args, args.to)}: ${now.said}`, facts };
      if (args.mode === 'read-replica') {
        const replica = args.sites[args.to].instance;
        const lag = await replicaLagSeconds(deps.aws(), args, args.to);
        facts.replicaLagSeconds = lag ?? null;
        if (lag === undefined) {
          if (args.planned)
            throw ApplicationFailure.retryable(
              `CloudWatch has no ReplicaLag datapoint for ${replica} in the last 5 minutes: the replica's lag cannot be told, so the promotion does not go ahead`,
              'ReplicaLagUnknown',
              facts,
            );
        } else if (args.planned && args.rpoMs !== undefined && lag * 1000 > args.rpoMs) {
          throw ApplicationFailure.retryable(
            `replica ${replica} lags ${lag}s behind, more than the RPO of ${Math.round(args.rpoMs / 1000)}s: promoting now would lose that much`,
            'ReplicaLagOverRpo',
            facts,
          );
        }
        return {
          summary: `RDS replica ${replica} may be promoted: lag ${lag === undefined ? 'unknown' : `${lag}s`}${args.rpoMs !== undefined ? ` (RPO ${Math.round(args.rpoMs / 1000)}s)` : ''}; ${now.said}`,
          facts,
        };
      }
      if (!now.available && args.planned)
        throw ApplicationFailure.retryable(
          `RDS is not available, so it cannot fail over now: ${now.said}`,
          'RdsNotAvailable',
          facts,
        );
      return {
        summary: `RDS ${args.mode} may fail over to ${label(args, args.to)}: ${back ? `${back.summary}; ` : ''}${now.said}`,
        facts,
      };
    },

    async rdsActivate(input: StepInput<'rdsActivate'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const clients = deps.aws();
      return runManagedSwitch({
        service: 'RDS',
        errorPrefix: 'Rds',
        change: 'switch',
        words: RDS_WORDS,
        target: site,
        targetLabel: label(args, site),
        targetName: args.siteNames[site],
        waitTimeoutMs: args.waitTimeoutMs,
        pollIntervalMs: args.pollIntervalMs,
        read: () => writer(clients, args),
        ask: () => switchTo(clients, args, site),
      });
    },

    /** Failback of a promoted replica: snapshot and rename the site's old instance so its replica can take its name. */
    async rdsRetire(input: StepInput<'rdsRetire'>): Promise<Observation> {
      return retire(deps.aws(), input.step.args, input.step.site ?? input.step.args.to, input.drillId);
    },

    /** Failback of a promoted replica: re-create the site's instance as a replica of the other side's writer. */
    async rdsCreateReplica(input: StepInput<'rdsCreateReplica'>): Promise<Observation> {
      return createReplica(deps.aws(), input.step.args, input.step.site ?? input.step.args.to, input.drillId);
    },

    /** The re-created replica is available and within the RPO: the pair is protected again. */
    async rdsReplicaCaughtUp(input: StepInput<'rdsReplicaCaughtUp'>): Promise<Observation> {
      return caughtUp(deps.aws(), input.step.args, input.step.site ?? input.step.args.to);
    },

    /** A Multi-AZ failover inside the site, with its Availability Zones as evidence. */
    async rdsInSiteFailover(input: StepInput<'rdsInSiteFailover'>): Promise<Observation> {
      return failOverInSite(deps.aws(), input.step.args, input.step.site ?? input.step.args.from);
    },
  };
}
