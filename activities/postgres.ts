/**
 * PostgreSQL primary + streaming standby: replication health, promotion, and re-protection of the
 * old primary as a standby of the new one (pg_rewind through the plan's command).
 * Every activity looks first and acts only when needed, and returns what it saw.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Client } from 'pg';
import { runProcess } from './command';
import { pollUntil } from './heartbeat';
import { canaryKey } from './runKey';
import { resolveSecret } from './secrets';
import type { StepDrivers, StepInput } from './types';
import { type PostgresAction, type PostgresArgs, type SiteRole, otherSite } from '../domain';

type Row = Record<string, unknown>;

export interface StandbyRow {
  applicationName: string;
  clientAddr: string | null;
  state: string | null;
  syncState: string | null;
  replayLagBytes: number | null;
  /** replay_lag in seconds; null when the standby is caught up and idle (not a failure). */
  replayLagSeconds: number | null;
}

export interface PgNode {
  site: SiteRole;
  name: string;
  endpoint: string;
  reachable: boolean;
  error?: string;
  version?: string;
  inRecovery?: boolean;
  timeline?: number;
  /** Primary: pg_current_wal_lsn(); standby: pg_last_wal_replay_lsn(). */
  lsn?: string;
  receiveLsn?: string | null;
  replayLsn?: string | null;
  /** Standby: received but not yet applied. */
  applyBacklogBytes?: number | null;
  receiver?: { status: string; senderHost: string | null; senderPort: number | null; receivedTli: number | null } | null;
  standbys?: StandbyRow[];
  walLogHints?: boolean;
  dataChecksums?: boolean;
  defaultReadOnly?: boolean;
}

const CONFIG_CODES = new Set(['28P01', '28000', '3D000', '42501']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function q(client: Client, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await client.query(sql, params)).rows as Row[];
}

async function inspectClient(client: Client, node: PgNode): Promise<void> {
  const [b] = await q(
    client,
    `SELECT current_setting('server_version') AS version, pg_is_in_recovery() AS rec,
            (SELECT timeline_id FROM pg_control_checkpoint()) AS tl,
            current_setting('wal_log_hints') AS hints, current_setting('data_checksums') AS sums,
            current_setting('default_transaction_read_only') AS ro`,
  );
  node.version = String(b.version);
  node.inRecovery = Boolean(b.rec);
  node.timeline = Number(b.tl);
  node.walLogHints = b.hints === 'on';
  node.dataChecksums = b.sums === 'on';
  node.defaultReadOnly = b.ro === 'on';
  if (node.inRecovery) {
    const [s] = await q(
      client,
      `SELECT pg_last_wal_receive_lsn()::text AS recv, pg_last_wal_replay_lsn()::text AS replay,
              greatest(0, pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()))::bigint AS backlog`,
    );
    node.receiveLsn = s.recv as string | null;
    node.replayLsn = s.replay as string | null;
    node.lsn = (s.replay as string | null) ?? undefined;
    node.applyBacklogBytes = s.backlog === null ? null : Number(s.backlog);
    const [r] = await q(client, 'SELECT status, sender_host, sender_port, received_tli FROM pg_stat_wal_receiver');
    node.receiver = r
      ? { status: String(r.status), senderHost: (r.sender_host as string | null) ?? null, senderPort: r.sender_port === null ? null : Number(r.sender_port), receivedTli: r.received_tli === null ? null : Number(r.received_tli) }
      : null;
    // The receiver's timeline can be newer than the last checkpoint's.
    if (node.receiver?.receivedTli) node.timeline = Math.max(node.timeline, node.receiver.receivedTli);
  } else {
    const [c] = await q(client, 'SELECT pg_current_wal_lsn()::text AS lsn');
    node.lsn = String(c.lsn);
    const rows = await q(
      client,
      `SELECT application_name, client_addr::text AS addr, state, sync_state,
              pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes,
              EXTRACT(EPOCH FROM replay_lag)::float8 AS lag_s
         FROM pg_stat_replication`,
    );
    node.standbys = rows.map((r) => ({
      applicationName: String(r.application_name),
      clientAddr: (r.addr as string | null) ?? null,
      state: (r.state as string | null) ?? null,
      syncState: (r.sync_state as string | null) ?? null,
      replayLagBytes: r.lag_bytes === null ? null : Number(r.lag_bytes),
      replayLagSeconds: r.lag_s === null ? null : Number(r.lag_s),
    }));
  }
}

function pgFacts(n: PgNode): Record<string, unknown> {
  if (!n.reachable) return { site: n.site, name: n.name, endpoint: n.endpoint, reachable: false, error: n.error };
  return {
    site: n.site,
    name: n.name,
    endpoint: n.endpoint,
    reachable: true,
    version: n.version,
    role: n.inRecovery ? 'standby' : 'primary',
    timeline: n.timeline,
    lsn: n.lsn,
    receiveLsn: n.receiveLsn,
    applyBacklogBytes: n.applyBacklogBytes,
    receiver: n.receiver,
    standbys: n.standbys,
    walLogHints: n.walLogHints,
    dataChecksums: n.dataChecksums,
    defaultTransactionReadOnly: n.defaultReadOnly,
  };
}

const roleOf = (n: PgNode): string => (!n.reachable ? `unreachable (${n.error})` : n.inRecovery ? 'a standby' : n.defaultReadOnly ? 'a primary fenced read-only' : 'a primary');

export function createPostgresActivities(deps: { workdir: string }): StepDrivers<PostgresAction> {
  const setup = async (input: StepInput<PostgresAction>) => {
    const args: PostgresArgs = input.step.args;
    const password = await resolveSecret(args.password, `${input.step.id}.password`);
    return { args, password };
  };

  async function withPg<T>(args: PostgresArgs, password: string, site: SiteRole, use?: (client: Client, node: PgNode) => Promise<T>): Promise<{ node: PgNode; result?: T }> {
    const { host, port } = args.sites[site];
    const node: PgNode = { site, name: args.siteNames[site], endpoint: `${host}:${port}`, reachable: false };
    const client = new Client({ host, port, user: args.user, password, database: args.database, connectionTimeoutMillis: 5000, application_name: 'drillbook' });
    let connected = false;
    try {
      await client.connect();
      connected = true;
      node.reachable = true;
      await inspectClient(client, node);
      return { node, result: use ? await use(client, node) : undefined };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code && CONFIG_CODES.has(code)) {
        throw ApplicationFailure.nonRetryable(
          `${args.component} on ${node.name} (${node.endpoint}) refused the drill role "${args.user}": ${(error as Error).message}. Check the plan's user, password reference, database and grants.`,
          'DatabaseMisconfigured',
        );
      }
      if (connected && node.version) throw error;
      node.reachable = false;
      node.error = code ?? (error as Error).message;
      return { node };
    } finally {
      if (connected) await client.end().catch(() => undefined);
    }
  }
  const inspect = (args: PostgresArgs, password: string, site: SiteRole) => withPg(args, password, site).then((r) => r.node);

  /** Is `standby` streaming from `primary`'s endpoint? */
  const streamsFrom = (args: PostgresArgs, standby: PgNode, primary: SiteRole): boolean =>
    Boolean(standby.reachable && standby.inRecovery && standby.receiver?.status === 'streaming' && standby.receiver.senderPort === args.sites[primary].port);

  const canaryId = (input: StepInput, args: PostgresArgs): string => canaryKey(input, args.canary);

  async function writeCanary(client: Client, row: { id: string; kind: string; drillId: string; site: string; lagBytes: number | null; note: string }) {
    await q(
      client,
      `CREATE TABLE IF NOT EXISTS drillbook_canary (
         id text PRIMARY KEY, kind text NOT NULL, drill_id text NOT NULL, site text NOT NULL,
         written_at timestamptz NOT NULL DEFAULT now(), lsn pg_lsn, lag_bytes bigint, note text)`,
    );
    await q(client, `INSERT INTO drillbook_canary (id, kind, drill_id, site, lag_bytes, note) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`, [
      row.id,
      row.kind,
      row.drillId,
      row.site,
      row.lagBytes,
      row.note,
    ]);
    // The LSN after the commit: a standby that replayed this far has the row.
    await q(client, `UPDATE drillbook_canary SET lsn = pg_current_wal_lsn() WHERE id = $1 AND lsn IS NULL`, [row.id]);
    const [r] = await q(client, `SELECT id, kind, site, written_at::text AS written_at, lsn::text AS lsn, lag_bytes, note FROM drillbook_canary WHERE id = $1`, [row.id]);
    return r;
  }

  async function readCanary(client: Client, id: string): Promise<Row | undefined> {
    const [exists] = await q(client, `SELECT to_regclass('drillbook_canary') IS NOT NULL AS e`);
    if (!exists.e) return undefined;
    const [r] = await q(client, `SELECT id, kind, site, written_at::text AS written_at, lsn::text AS lsn, lag_bytes, note FROM drillbook_canary WHERE id = $1`, [id]);
    return r;
  }

  const waitFor = (what: string, timeoutMs: number, check: () => Promise<boolean>) => pollUntil(what, timeoutMs, check, 250);

  function fail(message: string, type: string, facts: Record<string, unknown>): never {
    throw ApplicationFailure.retryable(message, type, facts);
  }

  return {
    async postgresHealth(input) {
      const { args, password } = await setup(input);
      const node = await inspect(args, password, input.step.site ?? args.to);
      const facts = { node: pgFacts(node) };
      if (!node.reachable) fail(`${args.component} on ${node.name} (${node.endpoint}) is not reachable: ${node.error}`, 'DatabaseUnreachable', facts);
      const detail = node.inRecovery
        ? `receiver ${node.receiver?.status ?? 'not running'}${node.receiver?.senderPort ? ` from :${node.receiver.senderPort}` : ''}, apply backlog ${node.applyBacklogBytes ?? '?'} bytes`
        : `${node.standbys?.filter((s) => s.state === 'streaming').length ?? 0} standby(s) streaming`;
      return { summary: `${args.component} on ${node.name} answers as ${roleOf(node)} (timeline ${node.timeline}): ${detail}`, facts };
    },

    /** One primary, the other a standby streaming from it, both ready for pg_rewind. */
    async postgresPreflight(input) {
      const { args, password } = await setup(input);
      const [p, s] = await Promise.all([inspect(args, password, 'primary'), inspect(args, password, 'secondary')]);
      const problems: string[] = [];
      for (const n of [p, s]) if (!n.reachable) problems.push(`${n.name} unreachable (${n.error})`);
      if (p.reachable && s.reachable) {
        const primaries = [p, s].filter((n) => !n.inRecovery);
        if (primaries.length !== 1) problems.push(primaries.length === 0 ? 'no primary: both nodes are in recovery' : 'TWO PRIMARIES: both nodes accept writes');
        else {
          const primary = primaries[0];
          const standby = primary === p ? s : p;
          if (!streamsFrom(args, standby, primary.site)) problems.push(`${standby.name} does not stream from ${primary.name} (receiver ${standby.receiver?.status ?? 'not running'})`);
        }
        for (const n of [p, s]) if (!n.walLogHints && !n.dataChecksums) problems.push(`${n.name} has neither wal_log_hints nor data checksums: pg_rewind cannot re-protect it`);
      }
      const facts = { nodes: [pgFacts(p), pgFacts(s)], problems };
      if (problems.length) fail(`${args.component} is not ready for a drill: ${problems.join('; ')}`, 'PreflightFailed', facts);
      const primary = p.inRecovery ? s : p;
      const lag = primary.standbys?.[0];
      return { summary: `${args.component}: ${primary.name} is primary, ${(primary === p ? s : p).name} streams from it (lag ${lag?.replayLagBytes ?? '?'} bytes); both can be rewound`, facts };
    },

    /**
     * Before a switch: a planned one refuses while `to` does not stream from `from` or lags more
     * than the RPO objective (an operator may skip with a reason); writes the canary row.
     */
    async postgresGuard(input) {
      const { args, password } = await setup(input);
      const { from, to } = args;
      const [old, cand] = await Promise.all([inspect(args, password, from), inspect(args, password, to)]);
      const facts: Record<string, unknown> = { nodes: [pgFacts(old), pgFacts(cand)], planned: args.planned, rpoObjectiveMs: args.rpoMs };
      if (cand.reachable && !cand.inRecovery && (!old.reachable || old.inRecovery)) {
        return { summary: `${args.component}: ${cand.name} is already the primary; nothing to guard`, facts: { ...facts, alreadySwitched: true } };
      }
      if (!cand.reachable) fail(`${args.component}: the switch target ${cand.name} (${cand.endpoint}) is not reachable: ${cand.error}`, 'DatabaseUnreachable', facts);
      const row = old.standbys?.find((s) => s.state === 'streaming') ?? old.standbys?.[0];
      const lagBytes = row?.replayLagBytes ?? (cand.applyBacklogBytes ?? null);
      const lagSeconds = row ? (row.replayLagSeconds ?? (row.replayLagBytes === 0 ? 0 : null)) : null;
      Object.assign(facts, { lagBytes, lagSeconds });
      if (args.planned) {
        if (!old.reachable || old.inRecovery) fail(`${args.component}: ${old.name} is not a reachable primary (${roleOf(old)}); a planned switchover needs it (use failover mode for an outage)`, 'DatabaseUnreachable', facts);
        if (!streamsFrom(args, cand, from)) {
          fail(`refusing a planned switchover of ${args.component} to ${cand.name}: it does not stream from ${old.name} (receiver ${cand.receiver?.status ?? 'not running'}). An operator may skip this guard with a reason.`, 'ReplicationBroken', facts);
        }
        if (args.rpoMs !== undefined && lagSeconds !== null && lagSeconds * 1000 > args.rpoMs) {
          fail(`refusing a planned switchover of ${args.component} to ${cand.name}: it lags ${lagSeconds.toFixed(1)}s, more than the RPO objective of ${args.rpoMs / 1000}s. An operator may skip this guard with a reason.`, 'LagOverObjective', facts);
        }
      }
      let canary: Row | undefined;
      if (old.reachable && !old.inRecovery) {
        canary = (await withPg(args, password, from, (c) => writeCanary(c, { id: canaryId(input, args), kind: 'canary', drillId: input.drillId, site: old.name, lagBytes, note: `before ${args.planned ? 'switchover' : 'failover'} ${from} -> ${to}` }))).result;
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
      if (!cand0.reachable) fail(`${args.component}: ${cand0.name} (${cand0.endpoint}) is not reachable to promote: ${cand0.error}`, 'DatabaseUnreachable', { candidate: pgFacts(cand0) });
      const old0 = await inspect(args, password, from);
      const facts: Record<string, unknown> = { planned: args.planned, candidate: pgFacts(cand0), old: pgFacts(old0) };
      if (!cand0.inRecovery) {
        if (old0.reachable && !old0.inRecovery && !old0.defaultReadOnly) fail(`${args.component}: TWO PRIMARIES: ${cand0.name} and ${old0.name} both accept writes`, 'TwoPrimaries', facts);
        return { summary: `${args.component}: ${cand0.name} is already the primary; ${old0.name} is ${roleOf(old0)}`, facts: { ...facts, alreadyPrimary: true } };
      }

      // Fence a reachable old primary online and take its last LSN.
      let fencedHere = false;
      let targetLsn: string | undefined;
      if (old0.reachable && !old0.inRecovery) {
        const fenced = await withPg(args, password, from, async (c, n) => {
          if (!n.defaultReadOnly) {
            await q(c, 'ALTER SYSTEM SET default_transaction_read_only = on');
            await q(c, 'SELECT pg_reload_conf()');
            fencedHere = true;
          }
          // OFFSET 0 keeps the filter ahead of pg_terminate_backend (SQL does not promise AND's order).
          const ended = await q(
            c,
            `SELECT pid, usename FROM (SELECT pid, usename FROM pg_stat_activity
                WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() OFFSET 0) s
              WHERE pg_terminate_backend(pid)`,
          );
          const [l] = await q(c, 'SELECT pg_current_wal_lsn()::text AS lsn');
          return { ended: ended.map((r) => `${r.usename}:${r.pid}`), lsn: String(l.lsn) };
        });
        if (!fenced.result) fail(`${args.component}: ${old0.name} answers as a primary but could not be fenced (${fenced.node.error}); refusing to make a second primary`, 'FenceFailed', facts);
        targetLsn = fenced.result.lsn;
        facts.fence = { fencedHere, sessionsEnded: fenced.result.ended, lastLsn: targetLsn };
      }

      const timeoutMs = args.planned ? args.catchUpTimeoutMs : Math.min(args.catchUpTimeoutMs, 10_000);
      let lagBytes: number | null = null;
      const what = targetLsn ? `${cand0.name} to replay up to ${targetLsn}` : `${cand0.name} to apply all WAL it received`;
      const { result: catchUp } = await withPg(args, password, to, async (c) => {
        const wait = await waitFor(what, timeoutMs, async () => {
          const [r] = await q(
            c,
            targetLsn
              ? `SELECT greatest(0, pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()))::bigint AS behind`
              : `SELECT greatest(0, pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()))::bigint AS behind`,
            targetLsn ? [targetLsn] : [],
          );
          lagBytes = r.behind === null ? null : Number(r.behind);
          return lagBytes === 0;
        });
        return wait;
      });
      if (!catchUp) fail(`${args.component}: lost ${cand0.name} while waiting for it to catch up`, 'DatabaseUnreachable', facts);
      Object.assign(facts, { catchUp: { ...catchUp, target: targetLsn ?? 'received WAL' }, lagBytesAtCutover: lagBytes });

      if (!catchUp.reached && args.planned) {
        if (fencedHere) {
          await withPg(args, password, from, async (c) => {
            await q(c, 'ALTER SYSTEM RESET default_transaction_read_only');
            await q(c, 'SELECT pg_reload_conf()');
          });
        }
        fail(`${args.component}: ${cand0.name} did not replay ${targetLsn ?? 'its received WAL'} within ${timeoutMs / 1000}s (${lagBytes ?? '?'} bytes behind); ${fencedHere ? `${old0.name} takes writes again` : 'nothing was changed'}`, 'CatchUpTimeout', facts);
      }

      const { node: cand, result: promoted } = await withPg(args, password, to, async (c, n) => {
        if (n.inRecovery) {
          const [r] = await q(c, 'SELECT pg_promote(true, 60) AS ok');
          if (!r.ok) throw ApplicationFailure.retryable(`pg_promote on ${n.name} did not finish within 60s`, 'PromoteTimeout');
        }
        const marker = await writeCanary(c, {
          id: `${canaryId(input, args)}:cutover`,
          kind: 'cutover',
          drillId: input.drillId,
          site: n.name,
          lagBytes,
          note: `${args.planned ? 'switchover' : 'failover'} to ${n.name}; ${catchUp.reached ? 'caught up' : 'not caught up'}`,
        });
        const [t] = await q(c, 'SELECT timeline_id FROM pg_control_checkpoint()');
        return { marker, timeline: Number(t.timeline_id) };
      });
      if (!promoted) fail(`${args.component}: lost ${cand.name} while promoting it (${cand.error})`, 'DatabaseUnreachable', facts);
      facts.cutover = promoted.marker;
      facts.rpoEvidence = {
        dataLossMs: catchUp.reached && targetLsn ? 0 : undefined,
        detail: catchUp.reached
          ? `${cand0.name} replayed ${targetLsn ? `everything ${old0.name} wrote (up to ${targetLsn})` : 'all WAL it had received'} before promotion`
          : `${cand0.name} was promoted ${lagBytes ?? '?'} bytes short of the WAL it had received`,
      };
      const why = old0.reachable ? (args.planned ? `${old0.name} fenced at ${targetLsn}` : `${old0.name} reachable, fenced`) : args.planned ? `${old0.name} down` : 'primary unreachable';
      return { summary: `promoting ${cand0.name} (${args.component}): ${why}, lag ${lagBytes ?? 'unknown'} bytes; now primary on timeline ${promoted.timeline}`, facts };
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
      if (!primary.reachable || primary.inRecovery) fail(`${args.component}: cannot re-protect ${node0.name}: ${primary.name} is not a reachable primary (${roleOf(primary)})`, 'NoPrimary', facts);
      if (streamsFrom(args, node0, source)) {
        return { summary: `${args.component}: ${node0.name} is already a standby streaming from ${primary.name}; nothing to do`, facts: { ...facts, alreadyProtected: true } };
      }
      const ready = node0.reachable ? node0.walLogHints || node0.dataChecksums : primary.walLogHints || primary.dataChecksums;
      if (ready === false) {
        throw ApplicationFailure.nonRetryable(`${args.component}: ${node0.name} has neither wal_log_hints nor data checksums; pg_rewind cannot run (rebuild it with pg_basebackup)`, 'RewindImpossible', facts);
      }
      facts.rewindReadinessCheckedOn = node0.reachable ? node0.name : `${primary.name} (${node0.name} is down; a pair shares its settings)`;
      if (!args.rewind) throw ApplicationFailure.nonRetryable(`${args.component}: the plan has no rewind command for ${node0.name}`, 'NoRewindDriver');
      await withPg(args, password, source, (c) => q(c, 'CHECKPOINT'));
      const result = await runProcess(args.rewind, { cwd: deps.workdir, timeoutMs: args.rewind.timeout ?? input.step.timeoutMs, where: input.step.id });
      facts.rewind = { argv: args.rewind.argv, exitCode: result.exitCode, durationMs: result.durationMs, stdout: result.stdout, stderr: result.stderr };
      if (result.timedOut || result.exitCode === null || !args.rewind.expectExit.includes(result.exitCode)) {
        fail(`${args.component}: rewinding ${node0.name} failed (\`${args.rewind.argv.join(' ')}\` ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}): ${(result.stderr || result.stdout).split('\n').pop()}`, 'RewindFailed', facts);
      }
      let node = node0;
      const wait = await waitFor(`${node0.name} to stream from ${primary.name}`, 60_000, async () => {
        node = await inspect(args, password, site);
        return streamsFrom(args, node, source);
      });
      facts.node = pgFacts(node);
      if (!wait.reached) fail(`${args.component}: ${node.name} was rewound but does not stream from ${primary.name} after 60s (${roleOf(node)}, receiver ${node.receiver?.status ?? 'not running'})`, 'NotStreaming', facts);
      const said = /no rewind required/.test(result.stdout + result.stderr) ? 'no rewind was required' : /Done!/.test(result.stdout + result.stderr) ? 'pg_rewind rewound it' : 'the rewind command succeeded';
      return { summary: `${args.component}: ${node.name} rejoined as a standby of ${primary.name} (${said}), streaming on timeline ${node.timeline}`, facts };
    },

    /** After a switch: `to` is the only primary and holds the canary written before the switch. */
    async postgresVerify(input) {
      const { args, password } = await setup(input);
      const to = input.step.site ?? args.to;
      const from = otherSite(to);
      const id = canaryId(input, args);
      const old = await inspect(args, password, from);
      let seen = await withPg(args, password, to, async (c) => ({ canary: await readCanary(c, id), cutover: await readCanary(c, `${id}:cutover`) }));
      for (let i = 0; i < 40 && seen.node.reachable && !(seen.result?.canary && seen.result.cutover); i++) {
        await sleep(250);
        seen = await withPg(args, password, to, async (c) => ({ canary: await readCanary(c, id), cutover: await readCanary(c, `${id}:cutover`) }));
      }
      const cand = seen.node;
      const facts: Record<string, unknown> = { nodes: [pgFacts(cand), pgFacts(old)], canary: seen.result?.canary ?? null, cutover: seen.result?.cutover ?? null };
      if (!cand.reachable) fail(`${args.component}: ${cand.name} is not reachable (${cand.error})`, 'DatabaseUnreachable', facts);
      if (cand.inRecovery) fail(`${args.component}: ${cand.name} is still a standby after the switch`, 'NotPromoted', facts);
      if (old.reachable && !old.inRecovery && !old.defaultReadOnly) fail(`${args.component}: TWO PRIMARIES: ${old.name} accepts writes as well as ${cand.name}`, 'TwoPrimaries', facts);
      const canaryFound = Boolean(seen.result?.canary);
      const lagBytes = seen.result?.cutover?.lag_bytes;
      facts.rpoEvidence = {
        canaryFound,
        dataLossMs: canaryFound && Number(lagBytes ?? -1) === 0 ? 0 : undefined,
        detail: canaryFound
          ? `canary ${id} written on ${seen.result?.canary?.site} at ${seen.result?.canary?.written_at} (LSN ${seen.result?.canary?.lsn}) was read on ${cand.name}; ${lagBytes ?? 'unknown'} bytes unapplied at cutover`
          : `canary ${id} was NOT found on ${cand.name}`,
      };
      if (!canaryFound && args.planned) fail(`${args.component}: the canary written before the switch is missing on ${cand.name}: data was lost`, 'CanaryMissing', facts);
      const back = streamsFrom(args, old, to) ? `${old.name} streams from it` : `${old.name} is ${roleOf(old)}`;
      return { summary: `${args.component}: ${cand.name} is the only primary (${back}); canary ${canaryFound ? 'found' : 'missing'}, ${lagBytes ?? 'unknown'} bytes unapplied at cutover`, facts };
    },
  };
}
