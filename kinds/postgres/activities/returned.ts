/**
 * After an outage: wait until the lost primary's node answers again, make sure it refuses writes
 * (a standby by its own start, or fenced read-only here), and check, once rewound, that it streams
 * from the serving primary, caught up within the RPO. (The rewind itself is postgresReprotect.)
 */
import type { Client } from 'pg';
import { awaitReturn } from '../../kit/activities/awaitReturn';
import { failRetryable } from '../../kit/activities/failures';
import { resolveSecret } from '../../kit/activities/secrets';
import type { StepDrivers, StepInput } from '../../kit/activities/types';
import { waitReplayed } from './catchUp';
import { pgFacts, roleOf } from './describe';
import { fenceOnline } from './fence';
import { inspect, streamsFrom, withPg, type PgNode } from './inspect';
import { otherSite } from '../../../domain';
import type { PostgresAction } from '../actions';

type ReturnAction = 'postgresAwaitReturn' | 'postgresFence' | 'postgresReprotected';

async function setup<A extends PostgresAction>(input: StepInput<A>) {
  const args = input.step.args;
  const password = await resolveSecret(args.password, `${input.step.id}.password`);
  const site = input.step.site ?? args.from;
  return { args, password, site, source: otherSite(site) };
}

/**
 * Tries a write that leaves nothing behind (a temporary table, rolled back): refused with 25006
 * (read-only transaction) or 25P02/a recovery error means this session cannot write.
 */
export async function refusesWrites(c: Client): Promise<{ refused: boolean; answer: string }> {
  try {
    await c.query('BEGIN');
    await c.query('CREATE TEMP TABLE drillbook_write_probe (x int)');
    await c.query('ROLLBACK');
    return { refused: false, answer: 'a write was accepted (rolled back)' };
  } catch (error) {
    await c.query('ROLLBACK').catch(() => undefined);
    const e = error as { code?: string; message: string };
    if (e.code === '25006') return { refused: true, answer: `refused: ${e.message}` };
    throw error;
  }
}

export function createPgReturnActivities(): StepDrivers<ReturnAction> {
  return {
    /** Waits, however long the step's timeout allows, until the lost site's node answers again. */
    async postgresAwaitReturn(input) {
      const { args, password, site } = await setup(input);
      const seen: { node?: PgNode } = {};
      const { waitedMs } = await awaitReturn(input, `${args.component} on ${args.siteNames[site]}`, async () => {
        const node = await inspect(args, password, site);
        seen.node = node;
        return { back: node.reachable, detail: `${node.endpoint}: ${node.error}`, facts: { node: pgFacts(node) } };
      });
      // awaitReturn comes back only once a look saw the node answer.
      const last = seen.node as PgNode;
      return {
        summary: `${args.component} on ${last.name} answers again${waitedMs > 2000 ? ` after ${Math.round(waitedMs / 1000)}s` : ''} as ${roleOf(last)}`,
        facts: { node: pgFacts(last), waitedMs },
      };
    },

    /**
     * The returned node must refuse writes while the other site serves. A standby refuses them by
     * PostgreSQL's rules; a primary is probed with a write; one that accepts it is fenced online
     * (default_transaction_read_only by ALTER SYSTEM + reload, client sessions ended) and probed again.
     */
    async postgresFence(input) {
      const { args, password, site } = await setup(input);
      const { node, result } = await withPg(args, password, site, async (c, n) => {
        if (n.inRecovery)
          return {
            fencedBy: 'its own start: a standby (in recovery) refuses every write',
            probe: undefined,
            fence: undefined,
          };
        const probe = await refusesWrites(c);
        if (probe.refused)
          return {
            fencedBy: 'its configuration: default_transaction_read_only is on',
            probe: probe.answer,
            fence: undefined,
          };
        const fence = await fenceOnline(c, n);
        return {
          fencedBy: 'this step: ALTER SYSTEM SET default_transaction_read_only = on, reloaded, sessions ended',
          probe: probe.answer,
          fence,
        };
      });
      const facts: Record<string, unknown> = { node: pgFacts(node), ...(result ?? {}) };
      if (!result)
        failRetryable(
          `${args.component} on ${node.name} is not reachable to fence (${node.error})`,
          'DatabaseUnreachable',
          facts,
        );
      if (result.fence) {
        // A new session sees the reloaded setting: it must be refused now.
        const again = await withPg(args, password, site, (c) => refusesWrites(c));
        facts.probeAfterFence = again.result?.answer ?? again.node.error;
        if (!again.result?.refused)
          failRetryable(
            `${args.component} on ${node.name} still accepts writes after the fence (${String(facts.probeAfterFence)})`,
            'FenceFailed',
            facts,
          );
      }
      return {
        summary: `${args.component} on ${node.name} refuses writes: fenced by ${result.fencedBy}`,
        facts,
      };
    },

    /** The rewound node streams from the serving primary and replays its current WAL within the RPO. */
    async postgresReprotected(input) {
      const { args, password, site, source } = await setup(input);
      const [old, serving] = await Promise.all([inspect(args, password, site), inspect(args, password, source)]);
      const facts: Record<string, unknown> = {
        node: pgFacts(old),
        serving: pgFacts(serving),
        rpoObjectiveMs: args.rpoMs,
      };
      const problems: string[] = [];
      if (!serving.reachable || serving.inRecovery)
        problems.push(`${serving.name} is not a reachable primary (${roleOf(serving)})`);
      if (!streamsFrom(args, old, source))
        problems.push(
          `${old.name} does not stream from ${serving.name} (${roleOf(old)}, receiver ${old.receiver?.status ?? 'not running'})`,
        );
      if (!problems.length && serving.lsn) {
        const waitMs = Math.min(args.rpoMs ?? 10_000, 30_000);
        const { result } = await withPg(args, password, site, (c) =>
          waitReplayed(c, `${old.name} to replay up to ${serving.lsn}`, serving.lsn, waitMs),
        );
        facts.caughtUp = result ?? null;
        if (!result?.reached)
          problems.push(
            `${old.name} did not replay ${serving.name}'s WAL up to ${serving.lsn} within ${waitMs / 1000}s (${result?.lagBytes ?? '?'} bytes behind)`,
          );
      }
      facts.problems = problems;
      if (problems.length)
        failRetryable(`${args.component} is not reprotected: ${problems.join('; ')}`, 'NotReprotected', facts);
      return {
        summary: `${args.component}: ${old.name} streams from ${serving.name} on timeline ${old.timeline}, caught up to ${serving.lsn}`,
        facts,
      };
    },
  };
}
