/**
 * After an outage: wait until the lost writer answers again, make it the serving writer's replica
 * (the transactions it executed that never replicated are listed as writes to reconcile with their
 * rows, then the node is re-seeded through the plan's command), and check it replicates, caught up.
 * Each looks first and acts only when needed: a retry finds its work done.
 */
import { awaitReturn } from '../../kit/activities/awaitReturn';
import { runProcess } from '../../kit/activities/command';
import { failNonRetryable, failRetryable } from '../../kit/activities/failures';
import { pollFor } from '../../kit/activities/polling';
import { resolveSecret } from '../../kit/activities/secrets';
import type { StepDrivers, StepInput } from '../../kit/activities/types';
import { nodeFacts, replicationPhrase, role } from './describe';
import { mariaWaitList } from './gtid';
import { inspect, type NodeState, withNode } from './inspect';
import { missingCount, missingRanges, writesToReconcile } from './reconcile';
import { query } from './sql';
import { FACT_WRITES_TO_RECONCILE, otherSite, type WriteToReconcile } from '../../../domain';
import type { MysqlAction, MysqlArgs } from '../actions';

type ReprotectAction = 'mysqlAwaitReturn' | 'mysqlReprotect' | 'mysqlReprotected';

async function setup<A extends MysqlAction>(input: StepInput<A>) {
  const args = input.step.args;
  const password = await resolveSecret(args.password, `${input.step.id}.password`);
  const site = input.step.site ?? args.from;
  return { args, password, site, source: otherSite(site) };
}

/** The step's own timeout, less a margin to report in: how long a wait inside it may last. */
const waitBudget = (input: StepInput, floorMs = 1000): number => Math.max(floorMs, input.step.timeoutMs - 15_000);

/** Does `node` replicate from `source`'s endpoint? */
const replicatesFrom = (args: MysqlArgs, node: NodeState, source: NodeState): boolean =>
  Boolean(node.replica?.configured && node.replica.sourcePort === args.sites[source.site].port);

const gtidSummary = (writes: WriteToReconcile[]): string =>
  writes.length <= 3
    ? writes.map((w) => w.position).join(', ')
    : `${writes[0].position} .. ${writes[writes.length - 1].position}`;

export function createReprotectActivities(deps: { workdir: string }): StepDrivers<ReprotectAction> {
  return {
    /** Waits, however long the step's timeout allows, until the lost site's node answers again. */
    async mysqlAwaitReturn(input) {
      const { args, password, site } = await setup(input);
      const seen: { node?: NodeState } = {};
      const { waitedMs } = await awaitReturn(input, `${args.component} on ${args.siteNames[site]}`, async () => {
        const node = await inspect(args, site, password);
        seen.node = node;
        return { back: node.reachable, detail: `${node.endpoint}: ${node.error}`, facts: { node: nodeFacts(node) } };
      });
      // awaitReturn comes back only once a look saw the node answer.
      const last = seen.node as NodeState;
      return {
        summary: `${args.component} on ${last.name} answers again${waitedMs > 2000 ? ` after ${Math.round(waitedMs / 1000)}s` : ''}: ${role(last)}, ${replicationPhrase(last)}`,
        facts: { node: nodeFacts(last), waitedMs },
      };
    },

    /**
     * The returned node becomes the serving writer's replica. Its transactions the serving side
     * lacks are read from its binlog and reported (`writesToReconcile`), then the plan's reseed
     * command rebuilds it from the writer at a GTID position; replication then runs both ways.
     */
    async mysqlReprotect(input) {
      const { args, password, site, source } = await setup(input);
      const [old, serving] = await Promise.all([inspect(args, site, password), inspect(args, source, password)]);
      const facts: Record<string, unknown> = { node: nodeFacts(old), serving: nodeFacts(serving) };
      if (!serving.reachable || serving.readOnly)
        failRetryable(
          `${args.component}: cannot reprotect ${old.name}: ${serving.name} is not a reachable writer (${role(serving)})`,
          'NoWriter',
          facts,
        );
      if (!old.reachable)
        failRetryable(`${args.component}: ${old.name} is not reachable (${old.error})`, 'DatabaseUnreachable', facts);
      if (!old.readOnly)
        failRetryable(
          `${args.component}: ${old.name} is writable beside ${serving.name}; the fence step must make it read-only first`,
          'NotFenced',
          facts,
        );
      if (old.flavor !== 'mariadb')
        failNonRetryable(
          `${args.component}: reprotect reads GTIDs and binlogs the MariaDB way; ${old.name} runs ${old.version}`,
          'NotSupported',
          facts,
        );

      const ranges = missingRanges(old.gtidPosition, serving.gtidPosition, serving.gtidCurrentPos);
      facts.missing = ranges;
      let writes: WriteToReconcile[] = [];
      let reseeded = false;
      if (ranges.length) {
        const read = await withNode(args, site, password, (conn) =>
          writesToReconcile(conn, args, site, password, ranges),
        );
        if (!read.result)
          failRetryable(
            `${args.component}: lost ${old.name} reading its binlog (${read.state.error})`,
            'DatabaseUnreachable',
            facts,
          );
        writes = read.result.writes;
        facts[FACT_WRITES_TO_RECONCILE] = writes;
        facts.binlogFilesRead = read.result.filesRead;
        if (read.result.notFound) facts.writesNotFound = read.result.notFound;
        if (!args.reseed)
          failNonRetryable(
            `${args.component}: ${old.name} executed ${missingCount(ranges)} transaction(s) ${serving.name} never received; the plan names no reseed command for ${old.name} (components.<name>.${site}.reseed), so it cannot become a replica`,
            'NoReseedDriver',
            facts,
          );
        const result = await runProcess(args.reseed, {
          cwd: deps.workdir,
          timeoutMs: args.reseed.timeout ?? waitBudget(input),
          where: input.step.id,
        });
        facts.reseed = {
          argv: args.reseed.argv,
          exitCode: result.exitCode,
          durationMs: result.durationMs,
          stdout: result.stdout,
          stderr: result.stderr,
        };
        if (result.timedOut || result.exitCode === null || !args.reseed.expectExit.includes(result.exitCode))
          failRetryable(
            `${args.component}: re-seeding ${old.name} failed (\`${args.reseed.argv.join(' ')}\` ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}): ${(result.stderr || result.stdout).trim().split('\n').pop()}`,
            'ReseedFailed',
            facts,
          );
        reseeded = true;
      }

      // Replication both ways, started where it is configured but stopped (nothing diverges now).
      for (const [node, from] of [
        [site, source],
        [source, site],
      ] as const) {
        const { state, result } = await withNode(args, node, password, async (conn, n) => {
          const other = await inspect(args, from, password);
          if (!replicatesFrom(args, n, other)) return 'not configured';
          if (n.replica?.ioRunning === 'Yes' && n.replica.sqlRunning === 'Yes') return 'running';
          await query(conn, 'START REPLICA');
          return 'started';
        });
        facts[`replicationInto_${node}`] = result ?? state.error;
        if (node === site && result === 'not configured')
          failRetryable(
            `${args.component}: ${old.name} does not replicate from ${serving.name} (${old.replica?.configured ? `its source is port ${old.replica.sourcePort}` : 'no replication configured'}); the reseed command must set it up`,
            'NotReplicating',
            facts,
          );
      }

      // Caught up with what the writer has now.
      const now = await inspect(args, source, password);
      const target = mariaWaitList(now.gtidPosition, old.serverId ?? -1);
      const { state: after, result: caught } = await withNode(args, site, password, (conn) =>
        pollFor(
          `${old.name} to apply ${target || 'everything'} from ${serving.name}`,
          Math.min(args.catchUpTimeoutMs, waitBudget(input)),
          async (leftMs) => {
            if (!target) return true;
            const [r] = await query(conn, 'SELECT MASTER_GTID_WAIT(?, ?) AS r', [
              target,
              Math.max(1, Math.min(2, Math.ceil(leftMs / 1000))),
            ]);
            return Number(r.r) === 0;
          },
          (ok) => ok,
          1000,
        ),
      );
      facts.node = nodeFacts(after);
      facts.caughtUpTo = target;
      if (!caught?.reached)
        failRetryable(
          `${args.component}: ${old.name} replicates from ${serving.name} but did not apply ${target} within ${Math.round((caught?.waitedMs ?? 0) / 1000)}s (${replicationPhrase(after)})`,
          'CatchUpTimeout',
          facts,
        );
      const reconcile = writes.length
        ? `${old.name} had ${writes.length} transaction(s) ${serving.name} never received (${gtidSummary(writes)}), listed as writes to reconcile${facts.writesNotFound ? ` (${String(facts.writesNotFound)} more no longer in its binlog)` : ''}; re-seeded from ${serving.name}`
        : `${old.name} held nothing ${serving.name} lacks`;
      facts.reconcileSummary = reconcile;
      facts.reseeded = reseeded;
      return {
        summary: `${args.component}: ${reconcile}; it replicates from ${serving.name}, read-only, caught up at ${target || 'its position'}`,
        facts,
      };
    },

    /** The returned node replicates from the writer, threads running, lag within the RPO, caught up, read-only. */
    async mysqlReprotected(input) {
      const { args, password, site, source } = await setup(input);
      const [old, serving] = await Promise.all([inspect(args, site, password), inspect(args, source, password)]);
      const facts: Record<string, unknown> = {
        node: nodeFacts(old),
        serving: nodeFacts(serving),
        rpoObjectiveMs: args.rpoMs,
      };
      const problems: string[] = [];
      if (!old.reachable) problems.push(`${old.name} unreachable (${old.error})`);
      if (!serving.reachable || serving.readOnly) problems.push(`${serving.name} is not the writer (${role(serving)})`);
      if (old.reachable && !old.readOnly) problems.push(`${old.name} is writable`);
      if (old.reachable && !replicatesFrom(args, old, serving))
        problems.push(`${old.name} does not replicate from ${serving.name}`);
      else if (old.reachable && !old.replica?.healthy)
        problems.push(`replication into ${old.name}: ${old.replica?.problem}`);
      const lag = old.replica?.lagSeconds ?? null;
      if (lag !== null && args.rpoMs !== undefined && lag * 1000 > args.rpoMs)
        problems.push(`${old.name} lags ${lag}s, more than the RPO objective of ${args.rpoMs / 1000}s`);
      if (!problems.length) {
        const target = mariaWaitList(serving.gtidPosition, old.serverId ?? -1);
        const { result } = await withNode(args, site, password, async (conn) => {
          if (!target) return true;
          const waitS = Math.max(1, Math.ceil((args.rpoMs ?? 10_000) / 1000));
          const [r] = await query(conn, 'SELECT MASTER_GTID_WAIT(?, ?) AS r', [target, Math.min(waitS, 30)]);
          return Number(r.r) === 0;
        });
        facts.caughtUpTo = target;
        if (!result) problems.push(`${old.name} did not apply ${target} from ${serving.name} within the RPO`);
      }
      facts.problems = problems;
      if (problems.length)
        failRetryable(`${args.component} is not reprotected: ${problems.join('; ')}`, 'NotReprotected', facts);
      return {
        summary: `${args.component}: ${old.name} replicates from ${serving.name} (${replicationPhrase(old)}), read-only, caught up`,
        facts,
      };
    },
  };
}
