/**
 * The asg* activities. Capacity moves between the sites' groups; what a group ran before the drill
 * scaled it down is kept in a tag on that group, so any worker (or a person) can put it back.
 * "InService" is counted here: the SDK's waiter compares against MinSize, not the desired capacity.
 */
import {
  CreateOrUpdateTagsCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from '../kit/activities/polling';
import type { Observation, StepDrivers, StepInput } from '../kit/activities/types';
import type { AwsClients } from '../kit/aws/clients';
import { aws } from '../kit/aws/errors';
import { type SiteRole, otherSite } from '../../domain';
import type { AsgAction, AsgArgs } from './actions';

export const CAPACITY_TAG = 'drillbook:serving-capacity';
export const MIN_SIZE_TAG = 'drillbook:min-size';

const label = (args: AsgArgs, site: SiteRole) => `${args.sites[site].group} (${args.siteNames[site]}, ${site})`;

async function group(clients: AwsClients, args: AsgArgs, site: SiteRole): Promise<AutoScalingGroup> {
  const { group: name, region } = args.sites[site];
  const answer = await aws(`Auto Scaling group ${name}`, () =>
    clients.autoscaling(region).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
  );
  const found = answer.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
  if (!found)
    throw ApplicationFailure.nonRetryable(
      `there is no Auto Scaling group ${name}${region ? ` in ${region}` : ''} (the plan's ${site}.group): check its name and region`,
      'AutoScalingGroupNotFound',
    );
  return found;
}

const tag = (g: AutoScalingGroup, key: string): number | undefined => {
  const value = g.Tags?.find((t) => t.Key === key)?.Value;
  return value === undefined || value === '' || Number.isNaN(Number(value)) ? undefined : Number(value);
};
/** Instances taking traffic: InService and Healthy. */
const serving = (g: AutoScalingGroup): number =>
  (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy').length;
/** Instances not on their way out. */
const alive = (g: AutoScalingGroup): number =>
  (g.Instances ?? []).filter((i) => !/^Terminat/.test(i.LifecycleState ?? '')).length;
const said = (g: AutoScalingGroup) =>
  `desired ${g.DesiredCapacity} (min ${g.MinSize}, max ${g.MaxSize}), ${serving(g)} InService and Healthy of ${(g.Instances ?? []).length}`;
const factsOf = (g: AutoScalingGroup) => ({
  group: g.AutoScalingGroupName,
  desired: g.DesiredCapacity,
  min: g.MinSize,
  max: g.MaxSize,
  inService: serving(g),
  instances: (g.Instances ?? []).map((i) => ({ id: i.InstanceId, state: i.LifecycleState, health: i.HealthStatus })),
});

/** The capacity the serving site runs: the plan's, else what a drill remembered, else what the other site runs now. */
function servingCapacity(
  args: AsgArgs,
  mine: AutoScalingGroup,
  other: AutoScalingGroup,
  site: SiteRole,
): { capacity?: number; from: string } {
  if (args.capacity !== undefined) return { capacity: args.capacity, from: 'the plan' };
  const remembered = tag(mine, CAPACITY_TAG) ?? tag(other, CAPACITY_TAG);
  if (remembered !== undefined) return { capacity: remembered, from: `the ${CAPACITY_TAG} tag` };
  const otherSite_ = otherSite(site);
  if ((other.DesiredCapacity ?? 0) > args.sites[otherSite_].standbyCapacity)
    return { capacity: other.DesiredCapacity, from: `${label(args, otherSite_)}'s desired capacity` };
  return { from: 'nowhere' };
}

async function watch(
  clients: AwsClients,
  args: AsgArgs,
  site: SiteRole,
  what: string,
  done: (g: AutoScalingGroup) => boolean,
) {
  let last = await group(clients, args, site);
  const { reached, waitedMs } = await pollUntil(
    what,
    args.waitTimeoutMs,
    async () => {
      last = await group(clients, args, site);
      return done(last);
    },
    args.pollIntervalMs,
  );
  return { reached, waitedMs, last };
}

async function setTags(
  clients: AwsClients,
  args: AsgArgs,
  site: SiteRole,
  tags: Record<string, number>,
): Promise<void> {
  const { group: name, region } = args.sites[site];
  const Tags = Object.entries(tags).map(([Key, value]) => ({
    ResourceId: name,
    ResourceType: 'auto-scaling-group',
    Key,
    Value: String(value),
    PropagateAtLaunch: false,
  }));
  if (Tags.length)
    await aws(`tagging ${name}`, () => clients.autoscaling(region).send(new CreateOrUpdateTagsCommand({ Tags })));
}

export function createAsgActivities(deps: { aws: () => AwsClients }): StepDrivers<AsgAction> {
  return {
    async asgPreflight(input: StepInput<'asgPreflight'>): Promise<Observation> {
      const args = input.step.args;
      const clients = deps.aws();
      const from = await group(clients, args, args.from);
      const to = await group(clients, args, args.to);
      const { capacity, from: source } = servingCapacity(args, to, from, args.to);
      if (capacity === undefined)
        throw ApplicationFailure.nonRetryable(
          `no serving capacity is known for ${label(args, args.to)}: ${label(args, args.from)} runs ${from.DesiredCapacity}; set capacity in the plan`,
          'AutoScalingMisconfigured',
        );
      // AWS refuses a desired capacity above MaxSize (moto accepts it): say so before the drill depends on it.
      if (capacity > (to.MaxSize ?? 0))
        throw ApplicationFailure.nonRetryable(
          `${label(args, args.to)} can hold at most ${to.MaxSize} instances, the serving capacity is ${capacity} (${source}): raise its MaxSize or lower the plan's capacity`,
          'AutoScalingMisconfigured',
        );
      return {
        summary: `${label(args, args.from)}: ${said(from)}; ${label(args, args.to)} can take ${capacity} instances (${source}): ${said(to)}`,
        facts: { from: factsOf(from), to: factsOf(to), capacity, capacitySource: source },
      };
    },

    async asgHealth(input: StepInput<'asgHealth'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const { reached, waitedMs, last } = await watch(
        deps.aws(),
        args,
        site,
        `${args.sites[site].group} InService`,
        (g) => (g.DesiredCapacity ?? 0) > 0 && serving(g) >= (g.DesiredCapacity ?? 0),
      );
      if (!reached)
        throw ApplicationFailure.retryable(
          `${label(args, site)} does not serve: ${said(last)}`,
          'AutoScalingNotServing',
          factsOf(last),
        );
      return {
        summary: `${label(args, site)} serves: ${said(last)}${waitedMs > args.pollIntervalMs ? ` after ${Math.round(waitedMs / 1000)}s` : ''}`,
        facts: factsOf(last),
      };
    },

    /** Scales a site's group to its standby capacity, keeping what it ran (and its MinSize) in tags on the group. */
    async asgScaleDown(input: StepInput<'asgScaleDown'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const clients = deps.aws();
      const standby = args.sites[site].standbyCapacity;
      const before = await group(clients, args, site);
      const desired = before.DesiredCapacity ?? 0;
      if (desired > standby) {
        // Remembered before the change: a retry after a crash finds the tag, not the scaled-down group.
        await setTags(clients, args, site, {
          [CAPACITY_TAG]: desired,
          ...((before.MinSize ?? 0) > standby ? { [MIN_SIZE_TAG]: before.MinSize ?? 0 } : {}),
        });
        const { group: name, region } = args.sites[site];
        await aws(`scaling ${name} down`, () =>
          clients.autoscaling(region).send(
            new UpdateAutoScalingGroupCommand({
              AutoScalingGroupName: name,
              MinSize: Math.min(before.MinSize ?? 0, standby),
              DesiredCapacity: standby,
            }),
          ),
        );
      }
      const { reached, last } = await watch(
        clients,
        args,
        site,
        `${args.sites[site].group} down to ${standby}`,
        (g) => alive(g) <= standby,
      );
      const facts = { before: factsOf(before), after: factsOf(last), remembered: tag(last, CAPACITY_TAG) ?? null };
      if (!reached)
        throw ApplicationFailure.retryable(
          `${label(args, site)} still runs ${alive(last)} instances after scaling down to ${standby}`,
          'AutoScalingNotScaled',
          facts,
        );
      return {
        summary:
          desired > standby
            ? `${label(args, site)} scaled down from ${desired} to ${standby} (${desired} kept in its ${CAPACITY_TAG} tag): ${said(last)}`
            : `${label(args, site)} already at ${desired} (standby ${standby}): ${said(last)}`,
        facts,
      };
    },

    /** Scales a site's group to the serving capacity and waits until that many instances are InService and Healthy. */
    async asgScaleUp(input: StepInput<'asgScaleUp'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const clients = deps.aws();
      const before = await group(clients, args, site);
      const other = await group(clients, args, otherSite(site));
      const { capacity, from: source } = servingCapacity(args, before, other, site);
      if (capacity === undefined)
        throw ApplicationFailure.nonRetryable(
          `no serving capacity is known for ${label(args, site)} (no plan capacity, no ${CAPACITY_TAG} tag, the other group at its standby): set capacity in the plan`,
          'AutoScalingMisconfigured',
        );
      if (capacity > (before.MaxSize ?? 0))
        throw ApplicationFailure.nonRetryable(
          `${label(args, site)} can hold at most ${before.MaxSize} instances, the serving capacity is ${capacity} (${source}): raise its MaxSize`,
          'AutoScalingMisconfigured',
        );
      const minSize = Math.min(tag(before, MIN_SIZE_TAG) ?? before.MinSize ?? 0, capacity);
      const changed = before.DesiredCapacity !== capacity || before.MinSize !== minSize;
      const { group: name, region } = args.sites[site];
      if (changed)
        await aws(`scaling ${name} up`, () =>
          clients.autoscaling(region).send(
            new UpdateAutoScalingGroupCommand({
              AutoScalingGroupName: name,
              MinSize: minSize,
              DesiredCapacity: capacity,
            }),
          ),
        );
      const { reached, waitedMs, last } = await watch(
        clients,
        args,
        site,
        `${capacity} instances InService in ${name}`,
        (g) => serving(g) >= capacity,
      );
      const facts = { before: factsOf(before), after: factsOf(last), capacity, capacitySource: source, waitedMs };
      if (!reached)
        throw ApplicationFailure.retryable(
          `${label(args, site)} has ${serving(last)} of ${capacity} instances InService and Healthy after ${Math.round(waitedMs / 1000)}s`,
          'AutoScalingNotServing',
          facts,
        );
      // Serving again: what the drill remembered on this group is used up.
      const stale = [CAPACITY_TAG, MIN_SIZE_TAG].filter((key) => last.Tags?.some((t) => t.Key === key));
      if (stale.length)
        await aws(`untagging ${name}`, () =>
          clients.autoscaling(region).send(
            new DeleteTagsCommand({
              Tags: stale.map((Key) => ({ ResourceId: name, ResourceType: 'auto-scaling-group', Key })),
            }),
          ),
        );
      return {
        summary: `${label(args, site)} ${changed ? `scaled from ${before.DesiredCapacity} to ${capacity}` : `already at ${capacity}`} (${source}): ${serving(last)} InService and Healthy after ${(waitedMs / 1000).toFixed(1)}s`,
        facts,
      };
    },
  };
}
