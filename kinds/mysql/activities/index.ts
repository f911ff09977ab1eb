/**
 * The MySQL 8 / MariaDB master-master activities: health, preflight, guard, fence, promote, verify,
 * and after an outage: await the old writer's return, reprotect it (writes to reconcile, re-seed),
 * check it replicates.
 * Every activity looks first and acts only when needed ("ensure"), and returns what it saw. How a
 * node is read, fenced, caught up and canaried lives beside this file, one concern each.
 */
import { canaryId, cutoverMarkerId } from '../../kit/activities/canary';
import { failRetryable } from '../../kit/activities/failures';
import { FACT_NEWEST_REPLICATED_AT, FACT_RPO_BASIS } from '../../../domain';
import { pollFor } from '../../kit/activities/polling';
import { resolveSecret } from '../../kit/activities/secrets';
import type { StepDrivers, StepInput } from '../../kit/activities/types';
import { type CanaryRow, readCanary, writeCanary } from './canary';
import { waitCaughtUp } from './catchUp';
import { nodeFacts, replicationPhrase, role } from './describe';
import { fence, makeWritable } from './fence';
import { inspect, type NodeState, withNode } from './inspect';
import { pairProblems } from './pair';
import { newestReplicated } from './reconcile';
import { createReprotectActivities } from './reprotect';
import { type Conn, query } from './sql';
import { otherSite } from '../../../domain';
import type { MysqlAction, MysqlArgs } from '../actions';

async function setup<A extends MysqlAction>(input: StepInput<A>) {
  const args = input.step.args;
  const password = await resolveSecret(args.password, `${input.step.id}.password`);
  return { args, password };
}

/**
 * The basis of an outage's RPO on a MariaDB candidate: the newest transaction it holds from another
 * server, read from its own binlog (log_slave_updates keeps the origin's commit time). A read that
 * fails leaves the time out and says why: the RPO is then unknown, never met.
 */
async function rpoFactsOf(
  args: MysqlArgs,
  password: string,
  conn: Conn,
  node: NodeState,
): Promise<Record<string, unknown>> {
  if (node.flavor !== 'mariadb')
    return {
      [FACT_RPO_BASIS]: `${node.name} is MySQL: this release reads the newest replicated event on MariaDB only`,
    };
  try {
    const { transaction: t, filesRead } = await newestReplicated(conn, args, node.site, password, node.serverId ?? -1);
    if (!t)
      return {
        [FACT_RPO_BASIS]: `${node.name}'s newest binlog files (${filesRead.join(', ')}) hold no transaction from another server`,
      };
    return {
      [FACT_NEWEST_REPLICATED_AT]: t.at,
      [FACT_RPO_BASIS]: `the newest transaction ${node.name} holds from server ${t.server} is GTID ${t.gtid}, committed there at ${t.at} (read from ${node.name}'s own binlog, which keeps the origin's commit time; second precision)`,
    };
  } catch (error) {
    return { [FACT_RPO_BASIS]: `${node.name}'s binlog could not be read: ${(error as Error).message}` };
  }
}

export function createMysqlActivities(
  deps: { workdir: string } = { workdir: process.cwd() },
): StepDrivers<MysqlAction> {
  return {
    ...createReprotectActivities(deps),
    /** Is this site's node serving? Reports its role and replication; fails only when unreachable. */
    async mysqlHealth(input) {
      const { args, password } = await setup(input);
      const site = input.step.site ?? args.to;
      const node = await inspect(args, site, password);
      const facts = { node: nodeFacts(node) };
      if (!node.reachable)
        failRetryable(
          `${args.component} on ${node.name} (${node.endpoint}) is not reachable: ${node.error}`,
          'DatabaseUnreachable',
          facts,
        );
      return { summary: `${args.component} on ${node.name} answers: ${role(node)}, ${replicationPhrase(node)}`, facts };
    },

    /** Both nodes up, ids distinct, auto-increment settings that cannot collide, replication both ways, one writer. */
    async mysqlPreflight(input) {
      const { args, password } = await setup(input);
      const [p, s] = await Promise.all([inspect(args, 'primary', password), inspect(args, 'secondary', password)]);
      const problems = pairProblems(p, s);
      const facts = { nodes: [nodeFacts(p), nodeFacts(s)], problems };
      if (problems.length)
        failRetryable(`${args.component} is not ready for a drill: ${problems.join('; ')}`, 'PreflightFailed', facts);
      const writer = !p.readOnly ? p : s;
      return {
        summary: `${args.component}: ${writer.name} writes, both directions replicate (lag ${p.replica?.lagSeconds}s / ${s.replica?.lagSeconds}s), auto-increment offsets ${p.autoIncrementOffset}/${s.autoIncrementOffset} step ${p.autoIncrementIncrement}`,
        facts,
      };
    },

    /**
     * Before a switch from `from` to `to`: a planned switch refuses while replication into `to` is
     * broken or lags more than the RPO objective (an operator may skip this step with a reason);
     * then writes the canary row on the current writer.
     */
    async mysqlGuard(input) {
      const { args, password } = await setup(input);
      const { from, to } = args;
      const [old, cand] = await Promise.all([inspect(args, from, password), inspect(args, to, password)]);
      const facts: Record<string, unknown> = {
        nodes: [nodeFacts(old), nodeFacts(cand)],
        planned: args.planned,
        rpoObjectiveMs: args.rpoMs,
      };
      if (cand.reachable && !cand.readOnly && (!old.reachable || old.readOnly)) {
        return {
          summary: `${args.component}: ${cand.name} is already the writer; nothing to guard`,
          facts: { ...facts, alreadySwitched: true },
        };
      }
      if (!cand.reachable)
        failRetryable(
          `${args.component}: the switch target ${cand.name} (${cand.endpoint}) is not reachable: ${cand.error}`,
          'DatabaseUnreachable',
          facts,
        );
      const lag = cand.replica?.lagSeconds ?? null;
      facts.lagSeconds = lag;
      if (args.planned) {
        if (!old.reachable)
          failRetryable(
            `${args.component}: the current writer ${old.name} is not reachable (${old.error}); a planned switchover needs it (use failover mode for an outage)`,
            'DatabaseUnreachable',
            facts,
          );
        if (!cand.replica?.healthy) {
          failRetryable(
            `refusing a planned switchover of ${args.component} to ${cand.name}: replication from ${old.name} is broken (${cand.replica?.problem}). An operator may skip this guard with a reason.`,
            'ReplicationBroken',
            facts,
          );
        }
        if (args.rpoMs !== undefined && lag !== null && lag * 1000 > args.rpoMs) {
          failRetryable(
            `refusing a planned switchover of ${args.component} to ${cand.name}: it lags ${lag}s, more than the RPO objective of ${args.rpoMs / 1000}s. An operator may skip this guard with a reason.`,
            'LagOverObjective',
            facts,
          );
        }
      }
      let canary: CanaryRow | undefined;
      const writer = old.reachable && !old.readOnly ? old : undefined;
      if (writer) {
        const { result } = await withNode(args, writer.site, password, (conn) =>
          writeCanary(conn, args.canaryDatabase, {
            id: canaryId(input),
            kind: 'canary',
            drillId: input.drillId,
            site: writer.name,
            lag_seconds: lag,
            note: `before ${args.planned ? 'switchover' : 'failover'} ${from} -> ${to}`,
          }),
        );
        canary = result;
      }
      facts.canary = canary ?? null;
      const lagText = lag === null ? 'lag unknown' : `lag ${lag}s`;
      return {
        summary: `${args.component}: ${args.planned ? 'planned switchover' : 'failover'} to ${cand.name} may go ahead: ${replicationPhrase(cand)}${args.planned ? '' : ` (${lagText})`}; ${canary ? `canary ${canary.id} written on ${writer?.name}` : 'no writable old side to write a canary on'}`,
        facts,
      };
    },

    /** Fences the old writer: read_only (MySQL: super_read_only), lists sessions that could still write, kills the plan's app sessions. */
    async mysqlFence(input) {
      const { args, password } = await setup(input);
      const site = input.step.site ?? args.from;
      const { state, result } = await withNode(args, site, password, (conn, node) =>
        fence(conn, node, args.killSessionsOf, args.user),
      );
      const facts = {
        node: nodeFacts(state),
        fence: result,
        // Which fence holds: the server's own start (read_only=1 in its configuration) or this step.
        fencedBy: result?.alreadyFenced
          ? 'the server (read_only=ON when the step looked)'
          : 'this step (SET GLOBAL read_only=ON)',
      };
      if (!state.reachable || !result)
        failRetryable(
          `${args.component} on ${state.name} is not reachable to fence (${state.error})`,
          'DatabaseUnreachable',
          facts,
        );
      const still = result.sessionsThatCanStillWrite;
      return {
        summary:
          `${args.component} on ${state.name}: ${result.alreadyFenced ? 'already read-only' : 'now read-only'} at ${state.gtidPosition || `${state.binlogFile}:${state.binlogPosition}`}` +
          (result.killed.length ? `; killed ${result.killed.length} app session(s)` : '') +
          (still.length
            ? `; ${still.length} session(s) can still write (${[...new Set(still.map((s) => s.user))].join(', ')} hold READ_ONLY ADMIN)`
            : '; no session can still write') +
          (state.flavor === 'mariadb' && !result.privilegesVisible
            ? " (the drill account cannot see other accounts' privileges)"
            : ''),
        facts,
      };
    },

    /**
     * Makes `to` the writer. Planned: the old writer is fenced (or down), `to` applies everything
     * the old writer wrote (bounded wait), then becomes writable; if it cannot catch up, a fence
     * this step put up is taken down again and the step fails. Unplanned: a reachable old writer is
     * fenced first (never two writers), then `to` becomes writable and the lag it had is recorded.
     */
    async mysqlPromote(input) {
      const { args, password } = await setup(input);
      const to = input.step.site ?? args.to;
      const from = otherSite(to);
      const cand0 = await inspect(args, to, password);
      if (!cand0.reachable)
        failRetryable(
          `${args.component}: ${cand0.name} (${cand0.endpoint}) is not reachable to promote: ${cand0.error}`,
          'DatabaseUnreachable',
          { node: nodeFacts(cand0) },
        );

      // The old writer: fence it when reachable (idempotent), remember its position.
      const oldSide = await withNode(args, from, password, (conn, node) =>
        fence(conn, node, args.killSessionsOf, args.user),
      );
      const old = oldSide.state;
      const fenced = oldSide.result;
      const facts: Record<string, unknown> = { planned: args.planned, old: nodeFacts(old), fence: fenced ?? null };

      if (!cand0.readOnly) {
        facts.candidate = nodeFacts(cand0);
        return {
          summary: `${args.component}: ${cand0.name} is already the writer; ${old.name} is ${role(old)}`,
          facts: { ...facts, alreadyWriter: true },
        };
      }

      const { state: cand, result } = await withNode(args, to, password, async (conn, node) => {
        const lagBefore = node.replica?.lagSeconds ?? null;
        const catchUp = await waitCaughtUp(
          conn,
          node,
          old.reachable ? old : undefined,
          args.planned ? args.catchUpTimeoutMs : Math.min(args.catchUpTimeoutMs, 10_000),
        );
        if (!catchUp.reached && args.planned) return { catchUp, lagBefore, promoted: false };
        const outage = !args.planned && !old.reachable;
        // What the new writer holds from the lost one, read before it writes anything itself.
        const rpo = outage ? await rpoFactsOf(args, password, conn, node) : undefined;
        if (outage && node.replica?.configured) {
          // The lost writer's unreplicated transactions must not flow in when it returns: they are
          // reconciled by a person (reprotect lists them), never merged silently.
          await query(conn, 'STOP REPLICA');
        }
        await makeWritable(conn, node);
        await writeCanary(conn, args.canaryDatabase, {
          id: cutoverMarkerId(input),
          kind: 'cutover',
          drillId: input.drillId,
          site: node.name,
          lag_seconds: catchUp.reached ? 0 : lagBefore,
          note: `${args.planned ? 'switchover' : 'failover'} to ${node.name}; ${catchUp.method} ${catchUp.reached ? 'reached' : 'not reached'}`,
        });
        return { catchUp, lagBefore, promoted: true, rpo, replicationStopped: outage && node.replica?.configured };
      });
      facts.candidate = nodeFacts(cand);
      if (!result)
        failRetryable(
          `${args.component}: lost ${cand.name} while promoting it (${cand.error})`,
          'DatabaseUnreachable',
          facts,
        );
      Object.assign(facts, { catchUp: result.catchUp, lagSecondsBefore: result.lagBefore });
      if (result.rpo) Object.assign(facts, result.rpo);
      if (result.replicationStopped) facts.replicationFromOldStopped = true;

      if (!result.promoted) {
        // Roll back a fence this step put up, so the old writer serves again.
        let rolledBack = false;
        if (fenced && !fenced.alreadyFenced && old.reachable) {
          await withNode(args, from, password, (conn, node) => makeWritable(conn, node));
          rolledBack = true;
        }
        failRetryable(
          `${args.component}: ${cand.name} did not apply everything ${old.name} wrote within ${args.catchUpTimeoutMs / 1000}s (${result.catchUp.method}); ${rolledBack ? `${old.name} was made writable again` : `${old.name} stays read-only`}`,
          'CatchUpTimeout',
          facts,
        );
      }
      const lagAtCutover = result.catchUp.reached ? 0 : result.lagBefore;
      facts.lagSecondsAtCutover = lagAtCutover;
      facts.rpoEvidence = {
        dataLossMs: lagAtCutover === null ? undefined : lagAtCutover * 1000,
        detail: result.catchUp.reached
          ? `${cand.name} had applied everything ${old.reachable ? `${old.name} wrote (${result.catchUp.method})` : 'it received'} before it became writable`
          : `${cand.name} became writable with lag ${lagAtCutover ?? 'unknown'}s (${result.catchUp.method} not reached)`,
      };
      const why = args.planned
        ? `${old.name} ${old.reachable ? (fenced?.alreadyFenced ? 'was already read-only' : 'fenced read-only') : 'down'}`
        : old.reachable
          ? `${old.name} reachable and fenced`
          : `primary unreachable`;
      return {
        summary: `promoting ${cand.name} (${args.component}): ${why}, lag ${lagAtCutover === null ? 'unknown' : `${lagAtCutover}s`}${result.catchUp.reached ? `, caught up in ${(result.catchUp.waitedMs / 1000).toFixed(1)}s` : ''}`,
        facts,
      };
    },

    /** After a switch: `to` is the only writer and holds the canary written before the switch. */
    async mysqlVerify(input) {
      const { args, password } = await setup(input);
      const to = input.step.site ?? args.to;
      const from = otherSite(to);
      const old = await inspect(args, from, password);
      const id = canaryId(input);
      // The canary may still be on its way through replication: look for at most 10 s. In an outage the
      // new side was promoted cut off from the old: what it holds now is all it will hold, so look once.
      const { last: seen } = await pollFor(
        `canary ${id} on ${args.siteNames[to]}`,
        args.planned ? 10_000 : 0,
        () =>
          withNode(args, to, password, async (conn) => ({
            canary: await readCanary(conn, args.canaryDatabase, id),
            cutover: await readCanary(conn, args.canaryDatabase, cutoverMarkerId(input)),
          })),
        (s) => !s.state.reachable || Boolean(s.result?.canary && s.result.cutover),
        200,
      );
      const { state: cand, result } = seen;
      const facts: Record<string, unknown> = {
        nodes: [nodeFacts(cand), nodeFacts(old)],
        canary: result?.canary ?? null,
        cutover: result?.cutover ?? null,
      };
      if (!cand.reachable)
        failRetryable(`${args.component}: ${cand.name} is not reachable (${cand.error})`, 'DatabaseUnreachable', facts);
      if (cand.readOnly)
        failRetryable(`${args.component}: ${cand.name} is still read-only after the switch`, 'NotWritable', facts);
      if (old.reachable && !old.readOnly)
        failRetryable(
          `${args.component}: TWO WRITERS: ${old.name} is writable as well as ${cand.name}`,
          'TwoWriters',
          facts,
        );
      const canaryFound = Boolean(result?.canary);
      const lag = result?.cutover?.lag_seconds ?? null;
      facts.rpoEvidence = {
        canaryFound,
        dataLossMs: canaryFound && lag !== null ? Number(lag) * 1000 : undefined,
        detail: canaryFound
          ? `canary ${id} written on ${result?.canary?.site} at ${result?.canary?.written_at} was read on ${cand.name}; lag at cutover ${lag ?? 'unknown'}s`
          : `canary ${id} was NOT found on ${cand.name}${result?.cutover ? '' : ' (and no cutover marker: was the switch made by this drill?)'}`,
      };
      if (!canaryFound && args.planned)
        failRetryable(
          `${args.component}: the canary written before the switch is missing on ${cand.name}: data was lost`,
          'CanaryMissing',
          facts,
        );
      return {
        summary: `${args.component}: ${cand.name} is the only writer (${old.name} ${role(old)}); canary ${canaryFound ? 'found' : 'missing'}, lag at cutover ${lag ?? 'unknown'}s; ${replicationPhrase(old)} on ${old.name}`,
        facts,
      };
    },
  };
}
