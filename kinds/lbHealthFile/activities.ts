/**
 * The healthFile* activities: a site's health-check file moved aside (to `<file>.drill-off`) or put
 * back, and the load balancer watched until it sees the site's nodes unhealthy or healthy: HAProxy's
 * checks through its runtime API, or an ALB target group's target health.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AwsClients } from '../kit/aws/clients';
import { describeTargets, isHealthy, isOutOfService, targetHealth } from '../kit/aws/targetHealth';
import { backendServers, describe } from '../haproxy/activities/runtimeApi';
import { pollUntil } from '../kit/activities/polling';
import { hostFiles } from '../kit/activities/hostFiles';
import type { Observation, StepDrivers, StepInput } from '../kit/activities/types';
import type { SiteRole } from '../../domain';
import type { HealthFileAction, HealthFileArgs } from './actions';

const OFF_SUFFIX = '.drill-off';

/** What the load balancer says about one site's nodes. */
interface Judgement {
  healthy: boolean;
  out: boolean;
  said: string;
  nodes: unknown[];
}

async function judge(args: HealthFileArgs, site: SiteRole, aws: () => AwsClients): Promise<Judgement> {
  const entry = args.sites[site];
  if (args.judgedBy === 'haproxy') {
    const haproxy = args.haproxy as { socket: string; backend: string };
    const all = await backendServers(haproxy.socket, haproxy.backend);
    const names = entry.servers ?? [];
    const missing = names.filter((n) => !all.has(n));
    if (missing.length)
      throw ApplicationFailure.nonRetryable(
        `HAProxy backend ${haproxy.backend} has no server ${missing.join(', ')} (the plan's ${site}.servers)`,
        'HaproxyMisconfigured',
      );
    const servers = names.map((n) => all.get(n)!);
    return {
      // Healthy by its checks; out when its checks fail, or when the admin took it out (then its checks may be off).
      healthy: servers.every((s) => s.status === 'UP'),
      out: servers.every((s) => /^(DOWN|MAINT)/.test(s.status)),
      said: `HAProxy: ${servers.map(describe).join('; ')}`,
      nodes: servers.map((s) => ({ server: s.name, status: s.status, check: s.checkStatus, admin: s.admin })),
    };
  }
  const targets = await targetHealth(
    aws(),
    entry.targetGroupArn as string,
    entry.region,
    entry.targets?.map((id) => ({ id })),
  );
  return {
    healthy: targets.length > 0 && targets.every(isHealthy),
    out: targets.length > 0 && targets.every(isOutOfService),
    said: `target group: ${describeTargets(targets)}`,
    nodes: targets,
  };
}

const label = (args: HealthFileArgs, site: SiteRole) => `${args.siteNames[site]} (${site})`;

/** Where the health file is now: in place, moved aside by a drill, or neither (a person must put it back). */
async function fileState(args: HealthFileArgs, site: SiteRole): Promise<'present' | 'aside' | 'missing'> {
  const { path, via } = args.sites[site];
  const files = hostFiles(via);
  if (await files.exists(path)) return 'present';
  return (await files.exists(`${path}${OFF_SUFFIX}`)) ? 'aside' : 'missing';
}

function missingFile(args: HealthFileArgs, site: SiteRole): ApplicationFailure {
  const { path } = args.sites[site];
  return ApplicationFailure.nonRetryable(
    `the health file ${path} is missing on ${label(args, site)}, and there is no ${path}${OFF_SUFFIX} a drill moved aside: create it (it is the file the load balancer's check asks for)`,
    'HealthFileMissing',
  );
}

async function waitUntil(args: HealthFileArgs, site: SiteRole, aws: () => AwsClients, want: 'healthy' | 'out') {
  let last = await judge(args, site, aws);
  const { reached, waitedMs } = await pollUntil(
    `load balancer to see ${args.siteNames[site]} ${want === 'out' ? 'unhealthy' : 'healthy'}`,
    args.waitTimeoutMs,
    async () => {
      last = await judge(args, site, aws);
      return last[want === 'out' ? 'out' : 'healthy'];
    },
    args.pollIntervalMs,
  );
  return { reached, waitedMs, last };
}

export function createHealthFileActivities(deps: { aws: () => AwsClients }): StepDrivers<HealthFileAction> {
  return {
    async healthFilePreflight(input: StepInput<'healthFilePreflight'>): Promise<Observation> {
      const args = input.step.args;
      const serving = args.from;
      const state = await fileState(args, serving);
      if (state === 'missing') throw missingFile(args, serving);
      if (state === 'aside') {
        throw ApplicationFailure.nonRetryable(
          `the health file of ${label(args, serving)} is moved aside (${args.sites[serving].path}${OFF_SUFFIX}), left so by an earlier drill: move it back before this one`,
          'HealthFileAside',
        );
      }
      const primary = await judge(args, 'primary', deps.aws);
      const secondary = await judge(args, 'secondary', deps.aws);
      const standby = await fileState(args, 'secondary');
      return {
        summary: `Health file in place on ${label(args, serving)} (${args.sites[serving].path}); ${label(args, 'primary')} ${primary.said}; ${label(args, 'secondary')} file ${standby}, ${secondary.said}`,
        facts: { judgedBy: args.judgedBy, primary: primary.nodes, secondary: secondary.nodes, secondaryFile: standby },
      };
    },

    async healthFileCheck(input: StepInput<'healthFileCheck'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const state = await fileState(args, site);
      if (state !== 'present')
        throw ApplicationFailure.retryable(
          `the health file ${args.sites[site].path} is ${state === 'aside' ? 'moved aside' : 'missing'} on ${label(args, site)}: the load balancer takes it out of rotation`,
          'HealthFileAbsent',
        );
      const { reached, waitedMs, last } = await waitUntil(args, site, deps.aws, 'healthy');
      const facts = { file: args.sites[site].path, nodes: last.nodes, waitedMs };
      if (!reached)
        throw ApplicationFailure.retryable(
          `the load balancer does not see ${label(args, site)} healthy after ${Math.round(waitedMs / 1000)}s: ${last.said}`,
          'HealthFileNodesUnhealthy',
          facts,
        );
      return { summary: `${label(args, site)} is in rotation: health file in place, ${last.said}`, facts };
    },

    /** Out of rotation: move the file aside, then wait until the load balancer sees every node of the site unhealthy. */
    async healthFileRemove(input: StepInput<'healthFileRemove'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const { path, via } = args.sites[site];
      const state = await fileState(args, site);
      if (state === 'missing') throw missingFile(args, site);
      const started = Date.now();
      if (state === 'present') await hostFiles(via).move(path, `${path}${OFF_SUFFIX}`);
      const { reached, waitedMs, last } = await waitUntil(args, site, deps.aws, 'out');
      const facts = {
        file: path,
        movedTo: `${path}${OFF_SUFFIX}`,
        moved: state === 'present',
        nodes: last.nodes,
        outAfterMs: reached ? Date.now() - started : undefined,
        waitedMs,
      };
      if (!reached) {
        throw ApplicationFailure.retryable(
          `${path} is moved aside on ${label(args, site)}, but after ${Math.round(waitedMs / 1000)}s the load balancer still does not see it unhealthy: ${last.said}`,
          'HealthFileStillHealthy',
          facts,
        );
      }
      return {
        summary: `${label(args, site)} out of rotation: ${state === 'present' ? `${path} moved aside` : `${path} was already moved aside`}; the load balancer saw it after ${((Date.now() - started) / 1000).toFixed(1)}s: ${last.said}`,
        facts,
      };
    },

    /** Back in rotation: the file back in place, then wait until the load balancer sees every node of the site healthy. */
    async healthFileRestore(input: StepInput<'healthFileRestore'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const { path, via } = args.sites[site];
      const state = await fileState(args, site);
      if (state === 'missing') throw missingFile(args, site);
      const started = Date.now();
      if (state === 'aside') await hostFiles(via).move(`${path}${OFF_SUFFIX}`, path);
      const { reached, waitedMs, last } = await waitUntil(args, site, deps.aws, 'healthy');
      const facts = {
        file: path,
        restored: state === 'aside',
        nodes: last.nodes,
        healthyAfterMs: reached ? Date.now() - started : undefined,
        waitedMs,
      };
      if (!reached)
        throw ApplicationFailure.retryable(
          `${path} is back on ${label(args, site)}, but after ${Math.round(waitedMs / 1000)}s the load balancer does not see it healthy: ${last.said}`,
          'HealthFileNodesUnhealthy',
          facts,
        );
      return {
        summary: `${label(args, site)} back in rotation: ${state === 'aside' ? `${path} restored` : `${path} was in place`}; the load balancer saw it healthy after ${((Date.now() - started) / 1000).toFixed(1)}s: ${last.said}`,
        facts,
      };
    },

    /** Reprotect check: the returned site's file is still moved aside and the load balancer keeps its nodes out. */
    async healthFileOutCheck(input: StepInput<'healthFileOutCheck'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const { path } = args.sites[site];
      const state = await fileState(args, site);
      // Gone altogether, the failback could not put it back: a person must, before it runs.
      if (state === 'missing') throw missingFile(args, site);
      const last = await judge(args, site, deps.aws);
      const facts = { file: path, state, nodes: last.nodes };
      if (state === 'present')
        throw ApplicationFailure.retryable(
          `the health file ${path} is back in place on ${label(args, site)} before the failback (replication or a person put it back): ${last.said}`,
          'HealthFilePresent',
          facts,
        );
      if (!last.out)
        throw ApplicationFailure.retryable(
          `${path} is moved aside on ${label(args, site)}, but the load balancer does not see it out: ${last.said}`,
          'HealthFileStillHealthy',
          facts,
        );
      return {
        summary: `${label(args, site)} stays out of rotation until failback: ${path} moved aside, ${last.said}`,
        facts,
      };
    },
  };
}
