/**
 * The PostgreSQL primary + streaming standby activities: health, preflight, guard, promote,
 * re-protection of the old primary as a standby of the new one (pg_rewind through the plan's
 * command), verify. Every activity looks first and acts only when needed, and returns what it saw.
 * How a node is read, fenced, caught up and canaried lives beside this file, one concern each.
 */
import { runProcess } from '../../kit/activities/command';
import { canaryId, cutoverMarkerId } from '../../kit/activities/canary';
import { failNonRetryable, failRetryable } from '../../kit/activities/failures';
import { pollFor } from '../../kit/activities/polling';
import { resolveSecret } from '../../kit/activities/secrets';
import type { StepDrivers, StepInput } from '../../kit/activities/types';
import { type Row, q } from './sql';
import { readCanary, writeCanary } from './canary';
import { waitReplayed } from './catchUp';
import { pgFacts, roleOf } from './describe';
import { fenceOnline, unfence } from './fence';
import { inspect, streamsFrom, withPg } from './inspect';
import { pairProblems } from './pair';
import { createPgReturnActivities } from './returned';
import { FACT_NEWEST_REPLICATED_AT, FACT_RPO_BASIS, otherSite } from '../../../domain';
import type { PostgresAction } from '../actions';

async function setup<A extends PostgresAction>(input: StepInput<A>) {
  const args = input.step.args;
  const password = await resolveSecret(args.password, `${input.step.id}.password`);
  return { args, password };
}

export function createPostgresActivities(deps: { workdir: string }): StepDrivers<PostgresAction> {
  return {
    ...createPgReturnActivities(),
    async postgresHealth(input) {
      const { args, password } = await setup(input);
      const node = await inspect(args, password, input.step.site ?? args.to);
      const facts = { node: pgFacts(node) };
      if (!node.reachable)
        failRetryable(
          `${args.component} on ${node.name} (${node.endpoint}) is not reachable: ${node.error}`,
          'DatabaseUnreachable',
          facts,
        );
      const detail = node.inRecovery
        ? `receiver ${node.receiver?.status ?? 'not running'}${node.receiver?.senderPort ? ` from :${node.receiver.senderPort}` : ''}, apply backlog ${node.applyBacklogBytes ?? '?'} bytes`
        : `${node.standbys?.filter((s) => s.state === 'streaming').length ?? 0} standby(s) streaming`;
      return {
        summary: `${args.component} on ${node.name} answers as ${roleOf(node)} (timeline ${node.timeline}): ${detail}`,
        facts,
      };
    },

    /** One primary, the other a standby streaming from it, both ready for pg_rewind. */
    async postgresPreflight(input) {
      const { args, password } = await setup(input);
      const [p, s] = await Promise.all([inspect(args, password, 'primary'), inspect(args, password, 'secondary')]);
      const problems = pairProblems(args, p, s);
      const facts = { nodes: [pgFacts(p), pgFacts(s)], problems };
      if (problems.length)
        failRetryable(`${args.component} is not ready for a drill: ${problems.join('; ')}`, 'PreflightFailed', facts);
      const primary = p.inRecovery ? s : p;
      const lag = primary.standbys?.[0];
      return {
        summary: `${args.component}: ${primary.name} is primary, ${(primary === p ? s : p).name} streams from it (lag ${lag?.replayLagBytes ?? '?'} bytes); both can be rewound`,
        facts,
      };
    },

    /**
     * Before a switch: a planned one refuses while `to` does not stream from `from` or lags more
     * than the RPO objective (an operator may skip with a reason); writes the canary row.
     */
    async postgresGuard(input) {
      const { args, password } = await setup(input);
      const { from, to } = args;
      const [old, cand] = await Promise.all([inspect(args, password, from), inspect(args, password, to)]);
      const facts: Record<string, unknown> = {
        nodes: [pgFacts(old), pgFacts(cand)],
        planned: args.planned,
        rpoObjectiveMs: args.rpoMs,
      };
      if (cand.reachable && !cand.inRecovery && (!old.reachable || old.inRecovery)) {
        return {
          summary: `${args.component}: ${cand.name} is already the primary; nothing to guard`,
          facts: { ...facts, alreadySwitched: true },
        };
      }
      if (!cand.reachable)
        failRetryable(
          `${args.component}: the switch target ${cand.name} (${cand.endpoint}) is not reachable: ${cand.error}`,
          'DatabaseUnreachable',
          facts,
        );
      const row = old.standbys?.find((s) => s.state === 'streaming') ?? old.standbys?.[0];
      const lagBytes = row?.replayLagBytes ?? cand.applyBacklogBytes ?? null;
      const lagSeconds = row ? (row.replayLagSeconds ?? (row.replayLagBytes === 0 ? 0 : null)) : null;
      Object.assign(facts, { lagBytes, lagSeconds });
      if (args.planned) {
        if (!old.reachable || old.inRecovery)
          failRetryable(
            `${args.component}: ${old.name} is not a reachable primary (${roleOf(old)}); a planned switchover needs it (use failover mode for an outage)`,
            'DatabaseUnreachable',
            facts,
          );
        if (!streamsFrom(args, cand, from)) {
          failRetryable(
            `refusing a planned switchover of ${args.component} to ${cand.name}: it does not stream from ${old.name} (receiver ${cand.receiver?.status ?? 'not running'}). An operator may skip this guard with a reason.`,
            'ReplicationBroken',
            facts,
          );
        }
        if (args.rpoMs !== undefined && lagSeconds !== null && lagSeconds * 1000 > args.rpoMs) {
          failRetryable(
            `refusing a planned switchover of ${args.component} to ${cand.name}: it lags ${lagSeconds.toFixed(1)}s, more than the RPO objective of ${args.rpoMs / 1000}s. An operator may skip this guard with a reason.`,
            'LagOverObjective',
            facts,
          );
        }
      }
      let canary: Row | undefined;
      if (old.reachable && !old.inRecovery) {
        canary = (
          await withPg(args, password, from, (c) =>
            writeCanary(c, {
              id: canaryId(input),
              kind: 'canary',
              drillId: input.drillId,
              site: old.name,
              lagBytes,
              note: `before ${args.planned ? 'switchover' : 'failover'} ${from} -> ${to}`,
            }),
          )
        ).result;
      }
      facts.canary = canary ?? null;
      return {
        summary: `${args.component}: ${args.planned ? 'planned switchover' : 'failover'} to ${cand.name} may go ahead: ${streamsFrom(args, cand, from) ? 'streaming' : `receiver ${cand.receiver?.status ?? 'not running'}`}, lag ${lagBytes ?? '?'} bytes${lagSeconds !== null ? ` / ${lagSeconds.toFixed(1)}s` : ''}; ${canary ? `canary ${canary.id} written at ${canary.lsn}` : 'no primary to write a canary on'}`,
        facts,
      };
    },

    /**
     * Makes `to` the primary with pg_promote. A reachable old primary is fenced online first
     * (default_transaction_read_only, client sessions ended) so there are never two writable
     * primaries; planned: `to` must replay up to the old primary's last LSN (bounded) or the step
     * fails and takes its fence down again. Unplanned: the lag `to` had is recorded.
     */
    async postgresPromote(input) {
      const { args, password } = await setup(input);
      const to = input.step.site ?? args.to;
      const from = otherSite(to);
      const cand0 = await inspect(args, password, to);
      if (!cand0.reachable)
        failRetryable(
          `${args.component}: ${cand0.name} (${cand0.endpoint}) is not reachable to promote: ${cand0.error}`,
          'DatabaseUnreachable',
          { candidate: pgFacts(cand0) },
        );
      const old0 = await inspect(args, password, from);
      const facts: Record<string, unknown> = { planned: args.planned, candidate: pgFacts(cand0), old: pgFacts(old0) };
      if (!cand0.inRecovery) {
        if (old0.reachable && !old0.inRecovery && !old0.defaultReadOnly)
          failRetryable(
            `${args.component}: TWO PRIMARIES: ${cand0.name} and ${old0.name} both accept writes`,
            'TwoPrimaries',
            facts,
          );
        return {
          summary: `${args.component}: ${cand0.name} is already the primary; ${old0.name} is ${roleOf(old0)}`,
          facts: { ...facts, alreadyPrimary: true },
        };
      }

      // Fence a reachable old primary online and take its last LSN.
      let fencedHere = false;
      let targetLsn: string | undefined;
      if (old0.reachable && !old0.inRecovery) {
        const fenced = await withPg(args, password, from, fenceOnline);
        if (!fenced.result)
          failRetryable(
            `${args.component}: ${old0.name} answers as a primary but could not be fenced (${fenced.node.error}); refusing to make a second primary`,
            'FenceFailed',
            facts,
          );
        fencedHere = fenced.result.fencedHere;
        targetLsn = fenced.result.lastLsn;
        facts.fence = fenced.result;
      }

      const timeoutMs = args.planned ? args.catchUpTimeoutMs : Math.min(args.catchUpTimeoutMs, 10_000);
      const what = targetLsn
        ? `${cand0.name} to replay up to ${targetLsn}`
        : `${cand0.name} to apply all WAL it received`;
      const { result: catchUp } = await withPg(args, password, to, (c) => waitReplayed(c, what, targetLsn, timeoutMs));
      if (!catchUp)
        failRetryable(
          `${args.component}: lost ${cand0.name} while waiting for it to catch up`,
          'DatabaseUnreachable',
          facts,
        );
      const { lagBytes } = catchUp;
      Object.assign(facts, {
        catchUp: { reached: catchUp.reached, waitedMs: catchUp.waitedMs, target: targetLsn ?? 'received WAL' },
        lagBytesAtCutover: lagBytes,
      });

      if (!catchUp.reached && args.planned) {
        if (fencedHere) await withPg(args, password, from, unfence);
        failRetryable(
          `${args.component}: ${cand0.name} did not replay ${targetLsn ?? 'its received WAL'} within ${timeoutMs / 1000}s (${lagBytes ?? '?'} bytes behind); ${fencedHere ? `${old0.name} takes writes again` : 'nothing was changed'}`,
          'CatchUpTimeout',
          facts,
        );
      }

      const { node: cand, result: promoted } = await withPg(args, password, to, async (c, n) => {
        // An outage's RPO rests on the newest transaction the standby replayed, read before it writes.
        let rpo: Record<string, unknown> | undefined;
        if (n.inRecovery && !args.planned) {
          const [t] = await q(
            c,
            `SELECT to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`,
          );
          rpo = t.at
            ? {
                [FACT_NEWEST_REPLICATED_AT]: String(t.at),
                [FACT_RPO_BASIS]: `the newest transaction ${n.name} replayed before its promotion was committed on the old primary at ${String(t.at)} (pg_last_xact_replay_timestamp)`,
              }
            : {
                [FACT_RPO_BASIS]: `${n.name} replayed no transaction since it started (pg_last_xact_replay_timestamp is NULL), so the newest it holds is unknown`,
              };
        }
        if (n.inRecovery) {
          const [r] = await q(c, 'SELECT pg_promote(true, 60) AS ok');
          if (!r.ok) failRetryable(`pg_promote on ${n.name} did not finish within 60s`, 'PromoteTimeout');
        }
        const marker = await writeCanary(c, {
          id: cutoverMarkerId(input),
          kind: 'cutover',
          drillId: input.drillId,
          site: n.name,
          lagBytes,
          note: `${args.planned ? 'switchover' : 'failover'} to ${n.name}; ${catchUp.reached ? 'caught up' : 'not caught up'}`,
        });
        const [t] = await q(c, 'SELECT timeline_id FROM pg_control_checkpoint()');
        return { marker, timeline: Number(t.timeline_id), rpo };
      });
      if (!promoted)
        failRetryable(
          `${args.component}: lost ${cand.name} while promoting it (${cand.error})`,
          'DatabaseUnreachable',
          facts,
        );
      facts.cutover = promoted.marker;
      if (promoted.rpo) Object.assign(facts, promoted.rpo);
      facts.rpoEvidence = {
        dataLossMs: catchUp.reached && targetLsn ? 0 : undefined,
        detail: catchUp.reached
          ? `${cand0.name} replayed ${targetLsn ? `everything ${old0.name} wrote (up to ${targetLsn})` : 'all WAL it had received'} before promotion`
          : `${cand0.name} was promoted ${lagBytes ?? '?'} bytes short of the WAL it had received`,
      };
      const why = old0.reachable
        ? args.planned
          ? `${old0.name} fenced at ${targetLsn}`
          : `${old0.name} reachable, fenced`
        : args.planned
          ? `${old0.name} down`
          : 'primary unreachable';
      return {
        summary: `promoting ${cand0.name} (${args.component}): ${why}, lag ${lagBytes ?? 'unknown'} bytes; now primary on timeline ${promoted.timeline}`,
        facts,
      };
    },

    /**
     * The old primary rejoins as a standby of the new one: checks rewind-readiness, CHECKPOINTs
     * the new primary (pg_rewind reads its timeline from the control file), runs the plan's rewind
     * command (stop, pg_rewind -R, start), and waits until the node streams. Idempotent.
     */
    async postgresReprotect(input) {
      const { args, password } = await setup(input);
      const site = input.step.site ?? args.from;
      const source = otherSite(site);
      const [node0, primary] = await Promise.all([inspect(args, password, site), inspect(args, password, source)]);
      const facts: Record<string, unknown> = { node: pgFacts(node0), newPrimary: pgFacts(primary) };
      if (!primary.reachable || primary.inRecovery)
        failRetryable(
          `${args.component}: cannot re-protect ${node0.name}: ${primary.name} is not a reachable primary (${roleOf(primary)})`,
          'NoPrimary',
          facts,
        );
      if (streamsFrom(args, node0, source)) {
        return {
          summary: `${args.component}: ${node0.name} is already a standby streaming from ${primary.name}; nothing to do`,
          facts: { ...facts, alreadyProtected: true },
        };
      }
      const ready = node0.reachable
        ? node0.walLogHints || node0.dataChecksums
        : primary.walLogHints || primary.dataChecksums;
      if (ready === false) {
        failNonRetryable(
          `${args.component}: ${node0.name} has neither wal_log_hints nor data checksums; pg_rewind cannot run (rebuild it with pg_basebackup)`,
          'RewindImpossible',
          facts,
        );
      }
      facts.rewindReadinessCheckedOn = node0.reachable
        ? node0.name
        : `${primary.name} (${node0.name} is down; a pair shares its settings)`;
      if (!args.rewind)
        failNonRetryable(`${args.component}: the plan has no rewind command for ${node0.name}`, 'NoRewindDriver');
      await withPg(args, password, source, (c) => q(c, 'CHECKPOINT'));
      const result = await runProcess(args.rewind, {
        cwd: deps.workdir,
        timeoutMs: args.rewind.timeout ?? input.step.timeoutMs,
        where: input.step.id,
      });
      facts.rewind = {
        argv: args.rewind.argv,
        exitCode: result.exitCode,
        durationMs: result.durationMs,
        stdout: result.stdout,
        stderr: result.stderr,
      };
      if (result.timedOut || result.exitCode === null || !args.rewind.expectExit.includes(result.exitCode)) {
        failRetryable(
          `${args.component}: rewinding ${node0.name} failed (\`${args.rewind.argv.join(' ')}\` ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}): ${(result.stderr || result.stdout).split('\n').pop()}`,
          'RewindFailed',
          facts,
        );
      }
      const { reached, last: node } = await pollFor(
        `${node0.name} to stream from ${primary.name}`,
        60_000,
        () => inspect(args, password, site),
        (n) => streamsFrom(args, n, source),
        250,
      );
      facts.node = pgFacts(node);
      if (!reached)
        failRetryable(
          `${args.component}: ${node.name} was rewound but does not stream from ${primary.name} after 60s (${roleOf(node)}, receiver ${node.receiver?.status ?? 'not running'})`,
          'NotStreaming',
          facts,
        );
      const said = /no rewind required/.test(result.stdout + result.stderr)
        ? 'no rewind was required'
        : /Done!/.test(result.stdout + result.stderr)
          ? 'pg_rewind rewound it'
          : 'the rewind command succeeded';
      return {
        summary: `${args.component}: ${node.name} rejoined as a standby of ${primary.name} (${said}), streaming on timeline ${node.timeline}`,
        facts,
      };
    },

    /** After a switch: `to` is the only primary and holds the canary written before the switch. */
    async postgresVerify(input) {
      const { args, password } = await setup(input);
      const to = input.step.site ?? args.to;
      const from = otherSite(to);
      const id = canaryId(input);
      const old = await inspect(args, password, from);
      // The canary may still be on its way through replication: look for at most 10 s. In an outage the
      // new side was promoted cut off from the old: what it holds now is all it will hold, so look once.
      const { last: seen } = await pollFor(
        `canary ${id} on ${args.siteNames[to]}`,
        args.planned ? 10_000 : 0,
        () =>
          withPg(args, password, to, async (c) => ({
            canary: await readCanary(c, id),
            cutover: await readCanary(c, cutoverMarkerId(input)),
          })),
        (s) => !s.node.reachable || Boolean(s.result?.canary && s.result.cutover),
        250,
      );
      const cand = seen.node;
      const facts: Record<string, unknown> = {
        nodes: [pgFacts(cand), pgFacts(old)],
        canary: seen.result?.canary ?? null,
        cutover: seen.result?.cutover ?? null,
      };
      if (!cand.reachable)
        failRetryable(`${args.component}: ${cand.name} is not reachable (${cand.error})`, 'DatabaseUnreachable', facts);
      if (cand.inRecovery)
        failRetryable(`${args.component}: ${cand.name} is still a standby after the switch`, 'NotPromoted', facts);
      if (old.reachable && !old.inRecovery && !old.defaultReadOnly)
        failRetryable(
          `${args.component}: TWO PRIMARIES: ${old.name} accepts writes as well as ${cand.name}`,
          'TwoPrimaries',
          facts,
        );
      const canaryFound = Boolean(seen.result?.canary);
      const lagBytes = seen.result?.cutover?.lag_bytes;
      facts.rpoEvidence = {
        canaryFound,
        dataLossMs: canaryFound && Number(lagBytes ?? -1) === 0 ? 0 : undefined,
        detail: canaryFound
          ? `canary ${id} written on ${seen.result?.canary?.site} at ${seen.result?.canary?.written_at} (LSN ${seen.result?.canary?.lsn}) was read on ${cand.name}; ${lagBytes ?? 'unknown'} bytes unapplied at cutover`
          : `canary ${id} was NOT found on ${cand.name}`,
      };
      if (!canaryFound && args.planned)
        failRetryable(
          `${args.component}: the canary written before the switch is missing on ${cand.name}: data was lost`,
          'CanaryMissing',
          facts,
        );
      const back = streamsFrom(args, old, to) ? `${old.name} streams from it` : `${old.name} is ${roleOf(old)}`;
      return {
        summary: `${args.component}: ${cand.name} is the only primary (${back}); canary ${canaryFound ? 'found' : 'missing'}, ${lagBytes ?? 'unknown'} bytes unapplied at cutover`,
        facts,
      };
    },
  };
}
