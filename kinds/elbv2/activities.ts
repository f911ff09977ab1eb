/**
 * The elbv2* activities: a site's target group watched until enough targets are healthy, its listed
 * targets deregistered (drained) and registered again. The load balancer's own word decides.
 */
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from '../kit/activities/polling';
import type { Observation, StepDrivers, StepInput } from '../kit/activities/types';
import { type AwsClients, regionOfArn } from '../kit/aws/clients';
import { aws } from '../kit/aws/errors';
import { describeTargets, isHealthy, targetHealth, type TargetState } from '../kit/aws/targetHealth';
import type { SiteRole } from '../../domain';
import type { Elbv2Action, Elbv2Args } from './actions';

const label = (args: Elbv2Args, site: SiteRole) => `${args.siteNames[site]} (${site})`;
const groupName = (arn: string) => arn.split(':').pop() ?? arn;
const expected = (args: Elbv2Args, site: SiteRole) =>
  args.sites[site].minHealthy ?? args.sites[site].targets?.length ?? 1;
/** Registered: anything the load balancer does not call Target.NotRegistered (AWS says `unused` with it, moto `unavailable`). */
const registered = (t: TargetState) => t.reason !== 'Target.NotRegistered';

async function read(clients: AwsClients, args: Elbv2Args, site: SiteRole, onlyListed = false): Promise<TargetState[]> {
  const s = args.sites[site];
  return targetHealth(clients, s.targetGroupArn, s.region, onlyListed ? s.targets : undefined);
}

async function watch(
  clients: AwsClients,
  args: Elbv2Args,
  site: SiteRole,
  what: string,
  done: (targets: TargetState[]) => boolean,
  onlyListed = false,
) {
  let last = await read(clients, args, site, onlyListed);
  const { reached, waitedMs } = await pollUntil(
    what,
    args.waitTimeoutMs,
    async () => {
      last = await read(clients, args, site, onlyListed);
      return done(last);
    },
    args.pollIntervalMs,
  );
  return { reached, waitedMs, last };
}

export function createElbv2Activities(deps: { aws: () => AwsClients }): StepDrivers<Elbv2Action> {
  return {
    async elbv2Preflight(input: StepInput<'elbv2Preflight'>): Promise<Observation> {
      const args = input.step.args;
      const clients = deps.aws();
      const seen: Record<string, string> = {};
      for (const site of ['primary', 'secondary'] as const) {
        const { targetGroupArn: arn, region } = args.sites[site];
        const found = await aws(
          `target group ${arn}`,
          () =>
            clients.elbv2(region ?? regionOfArn(arn)).send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })),
          `check the plan's ${site}.targetGroupArn and its region`,
        );
        if (!found.TargetGroups?.length)
          throw ApplicationFailure.nonRetryable(
            `there is no target group ${arn} (the plan's ${site}.targetGroupArn)`,
            'TargetGroupNotFound',
          );
        seen[site] = describeTargets(await read(clients, args, site));
      }
      return {
        summary: `Target groups found: ${label(args, 'primary')} ${seen.primary}; ${label(args, 'secondary')} ${seen.secondary}`,
        facts: seen,
      };
    },

    async elbv2Health(input: StepInput<'elbv2Health'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const want = expected(args, site);
      const { reached, waitedMs, last } = await watch(
        deps.aws(),
        args,
        site,
        `${want} healthy targets`,
        (t) => t.filter(isHealthy).length >= want,
      );
      const facts = {
        targetGroup: args.sites[site].targetGroupArn,
        targets: last,
        healthy: last.filter(isHealthy).length,
        expected: want,
        waitedMs,
      };
      if (!reached)
        throw ApplicationFailure.retryable(
          `${groupName(args.sites[site].targetGroupArn)} of ${label(args, site)} has ${facts.healthy} healthy target(s), needs ${want}: ${describeTargets(last)}`,
          'TargetsUnhealthy',
          facts,
        );
      return {
        summary: `${groupName(args.sites[site].targetGroupArn)} of ${label(args, site)}: ${facts.healthy} healthy target(s), ${want} needed: ${describeTargets(last)}`,
        facts,
      };
    },

    /** Drains a site: its listed targets deregistered, then waited for until the group no longer holds them. */
    async elbv2Deregister(input: StepInput<'elbv2Deregister'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const { targetGroupArn: arn, region, targets = [] } = args.sites[site];
      const clients = deps.aws();
      const before = await read(clients, args, site, true);
      const still = targets.filter((t) => before.some((b) => b.id === t.id && registered(b)));
      if (still.length)
        await aws(`deregistering targets from ${arn}`, () =>
          clients.elbv2(region ?? regionOfArn(arn)).send(
            new DeregisterTargetsCommand({
              TargetGroupArn: arn,
              Targets: still.map((t) => ({ Id: t.id, Port: t.port })),
            }),
          ),
        );
      const { reached, waitedMs, last } = await watch(
        clients,
        args,
        site,
        'targets drained',
        (t) => t.every((x) => !registered(x)),
        true,
      );
      const facts = { targetGroup: arn, before, after: last, deregistered: still.map((t) => t.id), waitedMs };
      if (!reached)
        throw ApplicationFailure.retryable(
          `${groupName(arn)} still holds ${describeTargets(last.filter(registered))} after ${Math.round(waitedMs / 1000)}s`,
          'TargetsNotDrained',
          facts,
        );
      return {
        summary: `${label(args, site)} drained from ${groupName(arn)}: ${still.length ? `deregistered ${still.map((t) => t.id).join(', ')}` : 'its targets were not registered'}; ${describeTargets(last)}`,
        facts,
      };
    },

    /** Brings a site back: its listed targets registered, then waited for until enough are healthy. */
    async elbv2Register(input: StepInput<'elbv2Register'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const { targetGroupArn: arn, region, targets = [] } = args.sites[site];
      const clients = deps.aws();
      const before = targets.length ? await read(clients, args, site, true) : [];
      const missing = targets.filter((t) => !before.some((b) => b.id === t.id && registered(b)));
      if (missing.length)
        await aws(
          `registering targets in ${arn}`,
          () =>
            clients.elbv2(region ?? regionOfArn(arn)).send(
              new RegisterTargetsCommand({
                TargetGroupArn: arn,
                Targets: missing.map((t) => ({ Id: t.id, Port: t.port })),
              }),
            ),
          "check the target ids: they must exist in the target group's VPC",
        );
      const want = expected(args, site);
      const { reached, waitedMs, last } = await watch(
        clients,
        args,
        site,
        `${want} healthy targets`,
        (t) => t.filter(isHealthy).length >= want,
      );
      const facts = { targetGroup: arn, registered: missing.map((t) => t.id), targets: last, expected: want, waitedMs };
      if (!reached)
        throw ApplicationFailure.retryable(
          `${groupName(arn)} of ${label(args, site)} has ${last.filter(isHealthy).length} healthy target(s) after ${Math.round(waitedMs / 1000)}s, needs ${want}: ${describeTargets(last)}`,
          'TargetsUnhealthy',
          facts,
        );
      return {
        summary: `${label(args, site)} in ${groupName(arn)}: ${missing.length ? `registered ${missing.map((t) => t.id).join(', ')}, ` : ''}${last.filter(isHealthy).length} healthy after ${(waitedMs / 1000).toFixed(1)}s: ${describeTargets(last)}`,
        facts,
      };
    },
  };
}
