/**
 * The haproxy* activities: a site's servers drained, taken out, made ready, and the backend's
 * checks watched until they see it. Each looks first and sets only what differs.
 */
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from '../../kit/activities/polling';
import type { Observation, StepDrivers, StepInput } from '../../kit/activities/types';
import {
  backendServers,
  describe,
  isOut,
  isServing,
  runtimeCommand,
  setAdminState,
  type AdminState,
  type ServerState,
} from './runtimeApi';
import { type SiteRole, otherSite } from '../../../domain';
import type { HaproxyAction, HaproxyArgs } from '../actions';

type Servers = Map<string, ServerState>;

const siteLabel = (args: HaproxyArgs, site: SiteRole) => `${args.siteNames[site]} (${site})`;

/** The servers of one site, refusing a plan that names servers the backend does not have. */
function ofSite(all: Servers, args: HaproxyArgs, site: SiteRole): ServerState[] {
  const missing = args.servers[site].filter((name) => !all.has(name));
  if (missing.length) {
    throw ApplicationFailure.nonRetryable(
      `HAProxy backend ${args.backend} has no server ${missing.join(', ')} (the plan's ${site}.servers); it has ${[...all.keys()].join(', ') || 'none'}`,
      'HaproxyMisconfigured',
    );
  }
  return args.servers[site].map((name) => all.get(name) as ServerState);
}

const states = (servers: ServerState[]) => servers.map(describe).join('; ');
const factsOf = (servers: ServerState[]) =>
  servers.map((s) => ({
    server: s.name,
    status: s.status,
    admin: s.admin,
    check: s.checkStatus,
    sessions: s.sessions,
  }));

async function read(args: HaproxyArgs): Promise<{ all: Servers; primary: ServerState[]; secondary: ServerState[] }> {
  const all = await backendServers(args.socket, args.backend);
  return { all, primary: ofSite(all, args, 'primary'), secondary: ofSite(all, args, 'secondary') };
}

/** Sets each server that is not in `state` already; returns the names it changed. */
async function ensureAdmin(
  args: HaproxyArgs,
  servers: ServerState[],
  state: AdminState,
  keep?: (s: ServerState) => boolean,
): Promise<string[]> {
  const changed: string[] = [];
  for (const server of servers) {
    if (server.admin === state || keep?.(server)) continue;
    await setAdminState(args.socket, args.backend, server.name, state);
    changed.push(server.name);
  }
  return changed;
}

/** Polls the backend until `done` holds for it, heartbeating; the last reading either way. */
async function waitFor(
  args: HaproxyArgs,
  what: string,
  timeoutMs: number,
  done: (now: Awaited<ReturnType<typeof read>>) => boolean,
) {
  let last = await read(args);
  const { reached, waitedMs } = await pollUntil(
    what,
    timeoutMs,
    async () => {
      last = await read(args);
      return done(last);
    },
    args.pollIntervalMs,
  );
  return { reached, waitedMs, last };
}

export function createHaproxyActivities(): StepDrivers<HaproxyAction> {
  return {
    async haproxyPreflight(input: StepInput<'haproxyPreflight'>): Promise<Observation> {
      const args = input.step.args;
      const level = (await runtimeCommand(args.socket, 'show cli level')).trim();
      if (level !== 'admin') {
        throw ApplicationFailure.nonRetryable(
          `HAProxy's runtime API at ${args.socket} runs at level "${level || 'unknown'}"; the drill sets server states, which needs "stats socket ${args.socket} level admin"`,
          'HaproxyMisconfigured',
        );
      }
      const { primary, secondary } = await read(args);
      const unchecked = [...primary, ...secondary].filter((s) => s.status === 'no check');
      if (unchecked.length) {
        throw ApplicationFailure.nonRetryable(
          `HAProxy server ${unchecked.map((s) => s.name).join(', ')} has no health check ("check" on its server line): the drill could never see it serve or go down`,
          'HaproxyMisconfigured',
        );
      }
      return {
        summary: `HAProxy backend ${args.backend} (runtime API ${args.socket}, level admin): ${siteLabel(args, 'primary')} ${states(primary)}; ${siteLabel(args, 'secondary')} ${states(secondary)}`,
        facts: { socket: args.socket, backend: args.backend, primary: factsOf(primary), secondary: factsOf(secondary) },
      };
    },

    /** Health: the serving site's servers UP by their checks, the other site's out of rotation. */
    async haproxyHealth(input: StepInput<'haproxyHealth'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const other = otherSite(site);
      const healthy = (now: Awaited<ReturnType<typeof read>>) => now[site].every(isServing) && now[other].every(isOut);
      const { reached, waitedMs, last } = await waitFor(
        args,
        `${args.backend}: ${args.siteNames[site]} UP, ${args.siteNames[other]} out`,
        args.waitTimeoutMs,
        healthy,
      );
      const facts = { backend: args.backend, serving: factsOf(last[site]), other: factsOf(last[other]), waitedMs };
      if (!reached) {
        const bothServe = last[other].some(isServing);
        const why = bothServe
          ? `BOTH SITES take traffic: ${states(last[other].filter(isServing))} on ${siteLabel(args, other)}`
          : `${siteLabel(args, site)}: ${states(last[site])}`;
        throw ApplicationFailure.retryable(
          `HAProxy backend ${args.backend} does not send traffic to ${siteLabel(args, site)} only after ${Math.round(waitedMs / 1000)}s: ${why}`,
          bothServe ? 'HaproxyBothSitesServe' : 'HaproxyNotServing',
          facts,
        );
      }
      return {
        summary: `HAProxy backend ${args.backend} sends traffic to ${siteLabel(args, site)} only: ${states(last[site])}; ${siteLabel(args, other)}: ${states(last[other])}`,
        facts,
      };
    },

    /** Before a site's services stop: drain its servers, wait for their sessions to end, then take them out. */
    async haproxyDrain(input: StepInput<'haproxyDrain'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const before = (await read(args))[site];
      // Servers already in maintenance stay there: draining them would put them back under checks.
      const drained = await ensureAdmin(args, before, 'drain', (s) => s.admin === 'maint');
      const { reached, waitedMs, last } = await waitFor(
        args,
        `sessions on ${args.siteNames[site]} to end`,
        args.drainTimeoutMs,
        (now) => now[site].every((s) => s.sessions === 0),
      );
      const left = last[site].reduce((sum, s) => sum + s.sessions, 0);
      const maintained = args.takeOut === 'maint' ? await ensureAdmin(args, last[site], 'maint') : [];
      const after = (await read(args))[site];
      const facts = {
        backend: args.backend,
        site,
        before: factsOf(before),
        after: factsOf(after),
        drained,
        maintained,
        sessionsLeft: left,
        drainWaitMs: waitedMs,
      };
      const changed = drained.length + maintained.length > 0;
      const sessions = reached
        ? `sessions ended after ${(waitedMs / 1000).toFixed(1)}s`
        : `${left} session(s) still open after the drain timeout of ${Math.round(args.drainTimeoutMs / 1000)}s, taken out anyway`;
      return {
        summary: changed
          ? `${siteLabel(args, site)} taken out of HAProxy backend ${args.backend}: ${sessions}; now ${states(after)}`
          : `${siteLabel(args, site)} was already out of HAProxy backend ${args.backend}: ${states(after)}`,
        facts,
      };
    },

    /** The switch: the new site's servers ready, the old site's out (drain or maint, as the plan says). */
    async haproxySwitch(input: StepInput<'haproxySwitch'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const other = otherSite(site);
      const before = await read(args);
      const readied = await ensureAdmin(args, before[site], 'ready');
      const takenOut = await ensureAdmin(args, before[other], args.takeOut, (s) => s.admin === 'maint');
      const after = await read(args);
      const up = after[site].filter(isServing).length;
      const facts = {
        backend: args.backend,
        readied,
        takenOut,
        serving: factsOf(after[site]),
        other: factsOf(after[other]),
      };
      const checks =
        up === after[site].length
          ? 'its checks see them UP already'
          : `its checks see ${up} of ${after[site].length} UP so far (its services may not run yet)`;
      return {
        summary: `HAProxy backend ${args.backend} switched to ${siteLabel(args, site)}${readied.length ? ` (made ready: ${readied.join(', ')})` : ' (its servers were ready)'}; ${checks}; ${siteLabel(args, other)} ${takenOut.length ? `taken out (${args.takeOut})` : 'was out already'}: ${states(after[other])}`,
        facts,
      };
    },

    /** Back in rotation: the site's servers ready, then wait until the backend's checks see them UP. */
    async haproxyReady(input: StepInput<'haproxyReady'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const before = (await read(args))[site];
      const readied = await ensureAdmin(args, before, 'ready');
      const { reached, waitedMs, last } = await waitFor(
        args,
        `${args.siteNames[site]}'s servers UP`,
        args.waitTimeoutMs,
        (now) => now[site].every(isServing),
      );
      const facts = {
        backend: args.backend,
        site,
        before: factsOf(before),
        after: factsOf(last[site]),
        readied,
        waitedMs,
      };
      if (!reached) {
        throw ApplicationFailure.retryable(
          `HAProxy's checks do not see ${siteLabel(args, site)} UP after ${Math.round(waitedMs / 1000)}s: ${states(last[site])}`,
          'HaproxyNotServing',
          facts,
        );
      }
      return {
        summary: `${siteLabel(args, site)} back in HAProxy backend ${args.backend}${readied.length ? '' : ' (already ready)'}: checks see ${states(last[site])} after ${(waitedMs / 1000).toFixed(1)}s`,
        facts,
      };
    },

    /**
     * The lost site is back (reprotect): its servers in maintenance whatever their checks say, so a
     * returned node that finds its health file in place is never sent traffic; the serving site keeps it.
     */
    async haproxyFence(input: StepInput<'haproxyFence'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const serving = otherSite(site);
      const before = await read(args);
      // A returned node its checks see UP would take traffic the moment its admin state is ready.
      const wouldServe = before[site].filter((s) => s.status === 'UP' || s.status === 'DRAIN');
      const maintained = await ensureAdmin(args, before[site], 'maint');
      const after = await read(args);
      const facts = {
        backend: args.backend,
        site,
        before: factsOf(before[site]),
        after: factsOf(after[site]),
        serving: factsOf(after[serving]),
        maintained,
        checksSawUp: wouldServe.map((s) => s.name),
      };
      const stillIn = after[site].filter((s) => s.admin !== 'maint' || isServing(s));
      if (stillIn.length)
        throw ApplicationFailure.retryable(
          `HAProxy backend ${args.backend} did not keep ${siteLabel(args, site)} out: ${states(stillIn)}`,
          'HaproxyNotFenced',
          facts,
        );
      return {
        summary: `${siteLabel(args, site)} kept out of HAProxy backend ${args.backend} until failback: ${maintained.length ? `set to maintenance (${maintained.join(', ')})` : 'in maintenance already'}${wouldServe.length ? `; its checks saw ${wouldServe.map((s) => s.name).join(', ')} UP again` : ''}; now ${states(after[site])}; ${siteLabel(args, serving)} ${states(after[serving])}`,
        facts,
      };
    },
  };
}
