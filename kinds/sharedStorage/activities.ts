/**
 * The storage* activities: a shared folder per site (a mount on the site's hosts), checked where it
 * lives through the plan's `via`. A canary file written on the old side before a switch must be read
 * on the new one; its age when it arrives is the replication lag, kept beside it in a second file
 * so the check after the switch can state the RPO from the new side alone.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from '../kit/activities/polling';
import { hostFiles, type HostFiles } from '../kit/activities/hostFiles';
import { canaryFileStem, canaryKey } from '../kit/activities/canary';
import type { Observation, StepDrivers, StepInput } from '../kit/activities/types';
import { type SiteRole, otherSite } from '../../domain';
import type { StorageAction, StorageArgs } from './actions';

const CANARY_DIR = '.drillbook';
/** What an await-return keeps of its step's timeout to report why it gave up. */
const RETURN_MARGIN_MS = 5000;

interface Canary {
  key: string;
  drillId: string;
  site: string;
  writtenAt: string;
}

interface Arrival {
  key: string;
  lagMs: number;
  arrivedAt: string;
}

const label = (args: StorageArgs, site: SiteRole) => `${args.siteNames[site]} (${site})`;
const filesOf = (args: StorageArgs, site: SiteRole): HostFiles => hostFiles(args.sites[site].via);

function canaryPaths(
  input: StepInput,
  args: StorageArgs,
  site: SiteRole,
): { dir: string; canary: string; arrival: string; key: string } {
  const key = canaryKey(input, args.canary);
  const name = canaryFileStem(input, args.canary);
  const dir = path.posix.join(args.sites[site].path, CANARY_DIR);
  return {
    dir,
    canary: path.posix.join(dir, `canary-${name}.json`),
    arrival: path.posix.join(dir, `canary-${name}.arrived.json`),
    key,
  };
}

const parse = <T>(text: string | undefined): T | undefined => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
};

/** Present (and a mount point when the plan says so); a folder left behind by a failed mount is not the store. */
async function present(args: StorageArgs, site: SiteRole): Promise<string | undefined> {
  const files = filesOf(args, site);
  const dir = args.sites[site].path;
  if (!(await files.isDirectory(dir))) return `${dir} is not there on ${label(args, site)} (${files.where})`;
  if (args.sites[site].mountpoint && !(await files.isMountpoint(dir)))
    return `${dir} on ${label(args, site)} is a folder but nothing is mounted there`;
  return undefined;
}

/** Writes and removes a probe file: the only proof that the folder takes writes. */
async function takesWrites(args: StorageArgs, site: SiteRole): Promise<{ ok: boolean; error?: string }> {
  const files = filesOf(args, site);
  const dir = path.posix.join(args.sites[site].path, CANARY_DIR);
  const probe = path.posix.join(dir, `probe-${randomUUID().slice(0, 8)}`);
  try {
    await files.mkdirs(dir);
    await files.write(probe, new Date().toISOString());
    const back = await files.read(probe);
    await files.remove(probe);
    return back === undefined ? { ok: false, error: 'the probe file written could not be read back' } : { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function mustBePresent(args: StorageArgs, site: SiteRole): Promise<void> {
  const problem = await present(args, site);
  if (problem) throw ApplicationFailure.retryable(`${args.component}: ${problem}`, 'StorageMissing');
}

/** Polls `site` for a JSON file until `match` holds, up to `timeoutMs`. */
async function waitForFile<T>(
  args: StorageArgs,
  site: SiteRole,
  file: string,
  timeoutMs: number,
  match: (value: T) => boolean,
) {
  const files = filesOf(args, site);
  let found: T | undefined;
  const { reached, waitedMs } = await pollUntil(
    `${file} on ${args.siteNames[site]}`,
    timeoutMs,
    async () => {
      const value = parse<T>(await files.read(file));
      found = value !== undefined && match(value) ? value : undefined;
      return found !== undefined;
    },
    250,
  );
  return { reached, waitedMs, found };
}

export function createStorageActivities(): StepDrivers<StorageAction> {
  return {
    async storagePreflight(input: StepInput<'storagePreflight'>): Promise<Observation> {
      const args = input.step.args;
      const problems = (
        await Promise.all((['primary', 'secondary'] as const).map((site) => present(args, site)))
      ).filter((p): p is string => Boolean(p));
      if (problems.length)
        throw ApplicationFailure.nonRetryable(
          `${args.component}: ${problems.join('; ')}: check the plan's path (and via) and the mount`,
          'StorageMisconfigured',
        );
      const writes = await takesWrites(args, args.from);
      if (!writes.ok)
        throw ApplicationFailure.retryable(
          `${args.component}: ${args.sites[args.from].path} on ${label(args, args.from)} does not take writes: ${writes.error}`,
          'StorageReadOnly',
        );
      return {
        summary: `${args.component}: shared folder present on both sites (${args.sites.primary.path}, ${args.sites.secondary.path}) and takes writes on ${label(args, args.from)}`,
        facts: { primary: args.sites.primary.path, secondary: args.sites.secondary.path, writableOn: args.from },
      };
    },

    async storageHealth(input: StepInput<'storageHealth'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      await mustBePresent(args, site);
      const where = args.sites[site].path;
      if (args.serving === false) {
        return {
          summary: `${args.component}: ${where} is there on ${label(args, site)} (standby; writes not tried)`,
          facts: { path: where, serving: false },
        };
      }
      const writes = await takesWrites(args, site);
      if (!writes.ok)
        throw ApplicationFailure.retryable(
          `${args.component}: ${where} on ${label(args, site)} does not take writes: ${writes.error}`,
          'StorageReadOnly',
          { path: where },
        );
      return {
        summary: `${args.component}: ${where} on ${label(args, site)} is there and takes writes`,
        facts: { path: where, serving: true },
      };
    },

    /** Before a switch: a canary on the old side, read on the new side; its age on arrival is the replication lag. */
    async storageGuard(input: StepInput<'storageGuard'>): Promise<Observation> {
      const args = input.step.args;
      const { from, to, planned } = args;
      const source = canaryPaths(input, args, from);
      const target = canaryPaths(input, args, to);
      await mustBePresent(args, to);
      const writes = await takesWrites(args, from);
      if (!writes.ok) {
        if (planned)
          throw ApplicationFailure.retryable(
            `${args.component}: ${label(args, from)} does not take writes, so no canary can prove what reaches ${label(args, to)}: ${writes.error}`,
            'StorageReadOnly',
          );
        return {
          summary: `${args.component}: ${label(args, from)} does not answer (${writes.error}); no canary written before the failover`,
          facts: { canary: null },
        };
      }
      // Run twice, the step keeps the canary (and the lag) it measured the first time.
      const fromFiles = filesOf(args, from);
      let canary = parse<Canary>(await fromFiles.read(source.canary));
      if (canary?.key !== source.key) {
        canary = {
          key: source.key,
          drillId: input.drillId,
          site: args.siteNames[from],
          writtenAt: new Date().toISOString(),
        };
        await fromFiles.write(source.canary, JSON.stringify(canary));
      }
      let arrival = parse<Arrival>(await fromFiles.read(source.arrival));
      if (arrival?.key !== source.key) {
        const seen = await waitForFile<Canary>(
          args,
          to,
          target.canary,
          args.canaryTimeoutMs,
          (c) => c.key === source.key,
        );
        if (!seen.reached) {
          const facts = { canary, waitedMs: seen.waitedMs };
          if (planned)
            throw ApplicationFailure.retryable(
              `${args.component}: the canary written on ${label(args, from)} at ${canary.writtenAt} was not read on ${label(args, to)} within ${Math.round(args.canaryTimeoutMs / 1000)}s: replication is behind or stopped`,
              'CanaryNotReplicated',
              facts,
            );
          return {
            summary: `${args.component}: the canary written on ${label(args, from)} did not reach ${label(args, to)} within ${Math.round(args.canaryTimeoutMs / 1000)}s before the failover`,
            facts,
          };
        }
        arrival = {
          key: source.key,
          lagMs: Date.now() - Date.parse(canary.writtenAt),
          arrivedAt: new Date().toISOString(),
        };
        await fromFiles.write(source.arrival, JSON.stringify(arrival));
      }
      const facts: Record<string, unknown> = {
        canary,
        replicationLagMs: arrival.lagMs,
        arrivedAt: arrival.arrivedAt,
        rpoMs: args.rpoMs,
      };
      if (planned && args.rpoMs !== undefined && arrival.lagMs > args.rpoMs) {
        throw ApplicationFailure.retryable(
          `${args.component}: the canary took ${(arrival.lagMs / 1000).toFixed(1)}s to reach ${label(args, to)}, more than the RPO of ${Math.round(args.rpoMs / 1000)}s`,
          'ReplicationLagOverRpo',
          facts,
        );
      }
      // The arrival note travels the same way, so the new side can state the lag after the switch.
      const noted = await waitForFile<Arrival>(
        args,
        to,
        target.arrival,
        args.canaryTimeoutMs,
        (a) => a.key === source.key,
      );
      facts.arrivalNoteReplicated = noted.reached;
      if (!noted.reached && planned)
        throw ApplicationFailure.retryable(
          `${args.component}: the canary reached ${label(args, to)}, but the note of its lag did not follow within ${Math.round(args.canaryTimeoutMs / 1000)}s`,
          'CanaryNotReplicated',
          facts,
        );
      return {
        summary: `${args.component}: canary written on ${label(args, from)} at ${canary.writtenAt} was read on ${label(args, to)} ${(arrival.lagMs / 1000).toFixed(1)}s later${args.rpoMs !== undefined ? ` (RPO ${Math.round(args.rpoMs / 1000)}s)` : ''}`,
        facts,
      };
    },

    /** After a switch: the new side takes writes and holds the canary; the RPO is the lag the canary met. */
    async storageVerify(input: StepInput<'storageVerify'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const from = otherSite(site);
      const target = canaryPaths(input, args, site);
      await mustBePresent(args, site);
      const writes = await takesWrites(args, site);
      if (!writes.ok)
        throw ApplicationFailure.retryable(
          `${args.component}: ${args.sites[site].path} on ${label(args, site)} does not take writes after the switch: ${writes.error}`,
          'StorageReadOnly',
        );
      const seen = await waitForFile<Canary>(
        args,
        site,
        target.canary,
        args.planned ? args.canaryTimeoutMs : 1000,
        (c) => c.key === target.key,
      );
      const arrival = parse<Arrival>(await filesOf(args, site).read(target.arrival));
      const lagMs = arrival?.key === target.key ? arrival.lagMs : undefined;
      const found = seen.reached && seen.found !== undefined;
      const facts: Record<string, unknown> = {
        canary: seen.found ?? null,
        replicationLagMs: lagMs,
        rpoEvidence: {
          canaryFound: found,
          dataLossMs: found ? lagMs : undefined,
          detail: found
            ? `${args.component}: canary file written on ${label(args, from)} at ${seen.found?.writtenAt} was read on ${label(args, site)}; it had taken ${lagMs === undefined ? 'an unknown time' : `${(lagMs / 1000).toFixed(1)}s`} to replicate`
            : `${args.component}: canary file ${target.canary} was NOT found on ${label(args, site)}`,
        },
      };
      if (!found && args.planned)
        throw ApplicationFailure.retryable(
          `${args.component}: the canary file written before the switch is missing on ${label(args, site)}: files were lost`,
          'CanaryMissing',
          facts,
        );
      return {
        summary: `${args.component}: ${label(args, site)} takes writes and ${found ? `holds the canary (replication lag ${lagMs === undefined ? 'unknown' : `${(lagMs / 1000).toFixed(1)}s`})` : 'does NOT hold the canary written before the failover'}`,
        facts,
      };
    },

    /** Reprotect: the lost site's folder is there again (mounted, readable); waits as long as the step may. */
    async storageAwaitReturn(input: StepInput<'storageAwaitReturn'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      let problem = await present(args, site);
      // The step's own timeout bounds the wait; a little is kept back to say why it gave up.
      const boundMs = Math.max(1000, input.step.timeoutMs - RETURN_MARGIN_MS);
      const { reached, waitedMs } = await pollUntil(
        `${args.component} on ${args.siteNames[site]} to be back`,
        boundMs,
        async () => {
          problem = await present(args, site);
          return problem === undefined;
        },
        1000,
      );
      if (!reached)
        throw ApplicationFailure.retryable(
          `${args.component}: not back after ${Math.round(waitedMs / 1000)}s: ${problem}`,
          'StorageNotBack',
          { path: args.sites[site].path, waitedMs },
        );
      return {
        summary: `${args.component}: ${args.sites[site].path} is back on ${label(args, site)}${waitedMs >= 1000 ? ` (after waiting ${(waitedMs / 1000).toFixed(1)}s)` : ''}`,
        facts: { path: args.sites[site].path, waitedMs },
      };
    },

    /**
     * Fence check: nothing written on the returned site reaches the serving one. A marker file is
     * written on the returned side and watched for on the serving side up to canaryTimeout; a round
     * from the serving side (its deletions remove the marker) ends the watch early. Seen on the
     * serving side, the old copy is replicating over the new one: the drill stops there.
     */
    async storageFenced(input: StepInput<'storageFenced'>): Promise<Observation> {
      const args = input.step.args;
      const old = input.step.site ?? args.from;
      const serving = otherSite(old);
      await mustBePresent(args, serving);
      const name = `fence-${canaryFileStem(input, args.canary)}.json`;
      const onOld = path.posix.join(args.sites[old].path, CANARY_DIR, name);
      const onServing = path.posix.join(args.sites[serving].path, CANARY_DIR, name);
      const oldFiles = filesOf(args, old);
      const servingFiles = filesOf(args, serving);
      try {
        await oldFiles.mkdirs(path.posix.dirname(onOld));
        await oldFiles.write(onOld, JSON.stringify({ drillId: input.drillId, writtenAt: new Date().toISOString() }));
      } catch (error) {
        return {
          summary: `${args.component}: ${label(args, old)} does not take writes (${(error as Error).message}): nothing written there can reach ${label(args, serving)}`,
          facts: { fenced: true, oldTakesWrites: false },
        };
      }
      let leaked = false;
      let swept = false;
      const { waitedMs } = await pollUntil(
        `a file written on ${args.siteNames[old]} to reach ${args.siteNames[serving]} (it must not)`,
        args.canaryTimeoutMs,
        async () => {
          leaked = await servingFiles.exists(onServing);
          if (leaked) return true;
          swept = !(await oldFiles.exists(onOld));
          return swept;
        },
        250,
      );
      // The marker is the drill's, not the site's: gone from both sides whatever the outcome.
      await oldFiles.remove(onOld).catch(() => undefined);
      if (leaked) await servingFiles.remove(onServing).catch(() => undefined);
      const facts = { fenced: !leaked, marker: onOld, waitedMs, sweptByServingRound: swept };
      if (leaked)
        throw ApplicationFailure.nonRetryable(
          `${args.component}: a file written on the returned ${label(args, old)} reached ${label(args, serving)} within ${(waitedMs / 1000).toFixed(1)}s: ${args.siteNames[old]}'s copy replicates over the serving one. Stop its replication now and make ${args.siteNames[serving]} the source`,
          'StorageNotFenced',
          facts,
        );
      return {
        summary: swept
          ? `${args.component}: replication runs from ${label(args, serving)} only: a file written on ${label(args, old)} was removed by its next round after ${(waitedMs / 1000).toFixed(1)}s and never reached ${args.siteNames[serving]}`
          : `${args.component}: for ${Math.round(waitedMs / 1000)}s nothing written on ${label(args, old)} reached ${label(args, serving)} (no replication round in either direction was seen)`,
        facts,
      };
    },
  };
}
