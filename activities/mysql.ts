/**
 * MySQL 8 / MariaDB master-master pair: replication health, fencing and moving the writer.
 * Every activity looks first and acts only when needed ("ensure"), and returns what it saw.
 * Columns are read by name so MySQL's Replica_* / Source_* and MariaDB's Slave_* / Master_* both
 * work (column order differs between versions).
 */
import { ApplicationFailure } from '@temporalio/common';
import mysql from 'mysql2/promise';
import { cancellationSignal, whileHeartbeating } from './heartbeat';
import { canaryKey } from './runKey';
import { resolveSecret } from './secrets';
import type { Observation, StepDrivers, StepInput } from './types';
import { type MysqlAction, type MysqlArgs, type SiteRole, otherSite } from '../domain';

type Row = Record<string, unknown>;

// ---- reading replica status by name -----------------------------------------------------------

/** Replica status in one shape for every flavour; `configured: false` when the node is no replica. */
export interface ReplicaStatus {
  configured: boolean;
  ioRunning?: string;
  sqlRunning?: string;
  /** Seconds_Behind_Source / _Master; null when unknown (a thread stopped or disconnected). */
  lagSeconds: number | null;
  sourceHost?: string;
  sourcePort?: number;
  lastIoErrno: number;
  lastIoError: string;
  lastSqlErrno: number;
  lastSqlError: string;
  sourceLogFile?: string;
  readSourceLogPos?: number;
  relaySourceLogFile?: string;
  execSourceLogPos?: number;
  /** MariaDB: No | Slave_Pos | Current_Pos; MySQL: Auto_Position 0/1 as 'No' | 'Auto_Position'. */
  usingGtid?: string;
  /** MariaDB Gtid_IO_Pos (received); MySQL Retrieved_Gtid_Set. */
  receivedGtids?: string;
  /** MySQL Executed_Gtid_Set. */
  executedGtids?: string;
  healthy: boolean;
  /** Why it is not healthy, one phrase. */
  problem?: string;
}

function pick(row: Row, ...names: string[]): unknown {
  for (const name of names) if (row[name] !== undefined) return row[name];
  return undefined;
}
const num = (value: unknown): number | undefined => (value === null || value === undefined || value === '' ? undefined : Number(value));
const str = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value));

/** Turns one row of SHOW REPLICA STATUS / SHOW SLAVE STATUS (any flavour) into ReplicaStatus. */
export function normalizeReplicaRow(row: Row | undefined): ReplicaStatus {
  if (!row) {
    return { configured: false, lagSeconds: null, lastIoErrno: 0, lastIoError: '', lastSqlErrno: 0, lastSqlError: '', healthy: false, problem: 'no replication configured' };
  }
  const lag = pick(row, 'Seconds_Behind_Source', 'Seconds_Behind_Master');
  const autoPosition = pick(row, 'Auto_Position');
  const status: ReplicaStatus = {
    configured: true,
    ioRunning: str(pick(row, 'Replica_IO_Running', 'Slave_IO_Running')),
    sqlRunning: str(pick(row, 'Replica_SQL_Running', 'Slave_SQL_Running')),
    lagSeconds: lag === null || lag === undefined ? null : Number(lag),
    sourceHost: str(pick(row, 'Source_Host', 'Master_Host')),
    sourcePort: num(pick(row, 'Source_Port', 'Master_Port')),
    lastIoErrno: num(pick(row, 'Last_IO_Errno')) ?? 0,
    lastIoError: str(pick(row, 'Last_IO_Error')) ?? '',
    lastSqlErrno: num(pick(row, 'Last_SQL_Errno')) ?? 0,
    lastSqlError: str(pick(row, 'Last_SQL_Error')) ?? '',
    sourceLogFile: str(pick(row, 'Source_Log_File', 'Master_Log_File')),
    readSourceLogPos: num(pick(row, 'Read_Source_Log_Pos', 'Read_Master_Log_Pos')),
    relaySourceLogFile: str(pick(row, 'Relay_Source_Log_File', 'Relay_Master_Log_File')),
    execSourceLogPos: num(pick(row, 'Exec_Source_Log_Pos', 'Exec_Master_Log_Pos')),
    usingGtid: str(pick(row, 'Using_Gtid')) ?? (autoPosition === undefined ? undefined : Number(autoPosition) === 1 ? 'Auto_Position' : 'No'),
    receivedGtids: str(pick(row, 'Gtid_IO_Pos', 'Retrieved_Gtid_Set')),
    executedGtids: str(pick(row, 'Executed_Gtid_Set')),
    healthy: false,
  };
  // Healthy means both threads say exactly "Yes" (not "Connecting"), no errors, and a known lag.
  if (status.ioRunning !== 'Yes') status.problem = `IO thread ${status.ioRunning ?? '?'}${status.lastIoErrno ? ` (error ${status.lastIoErrno}: ${status.lastIoError})` : ''}`;
  else if (status.sqlRunning !== 'Yes') status.problem = `SQL thread ${status.sqlRunning ?? '?'}${status.lastSqlErrno ? ` (error ${status.lastSqlErrno}: ${status.lastSqlError})` : ''}`;
  else if (status.lastIoErrno !== 0) status.problem = `IO error ${status.lastIoErrno}: ${status.lastIoError}`;
  else if (status.lastSqlErrno !== 0) status.problem = `SQL error ${status.lastSqlErrno}: ${status.lastSqlError}`;
  else if (status.lagSeconds === null) status.problem = 'lag unknown';
  status.healthy = status.problem === undefined;
  return status;
}

// ---- one node ---------------------------------------------------------------------------------

export interface NodeState {
  site: SiteRole;
  name: string;
  endpoint: string;
  reachable: boolean;
  error?: string;
  errno?: number;
  flavor?: 'mariadb' | 'mysql';
  version?: string;
  serverId?: number;
  readOnly?: boolean;
  /** MySQL only; MariaDB has no super_read_only. */
  superReadOnly?: boolean;
  autoIncrementIncrement?: number;
  autoIncrementOffset?: number;
  gtidDomainId?: number;
  /** MariaDB @@gtid_binlog_pos / MySQL @@gtid_executed: what this node has written or applied. */
  gtidPosition?: string;
  /** MariaDB @@gtid_current_pos. */
  gtidCurrentPos?: string;
  binlogFile?: string;
  binlogPosition?: number;
  replica?: ReplicaStatus;
}

type Conn = mysql.Connection;

const connect = async (args: MysqlArgs, site: SiteRole, password: string): Promise<Conn> =>
  mysql.createConnection({
    host: args.sites[site].host,
    port: args.sites[site].port,
    user: args.user,
    password,
    connectTimeout: 5000,
    supportBigNumbers: true,
    dateStrings: true,
  });

async function query(conn: Conn, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [rows] = await conn.query(sql, params);
  return rows as Row[];
}

/** SHOW REPLICA STATUS (MariaDB >= 10.5.1, MySQL >= 8.0.22), else SHOW SLAVE STATUS (older). */
export async function replicaStatus(conn: Conn): Promise<ReplicaStatus> {
  let rows: Row[];
  try {
    rows = await query(conn, 'SHOW REPLICA STATUS');
  } catch (error) {
    if ((error as { errno?: number }).errno !== 1064) throw error;
    rows = await query(conn, 'SHOW SLAVE STATUS');
  }
  return normalizeReplicaRow(rows[0]);
}

async function inspectConn(conn: Conn, state: NodeState): Promise<NodeState> {
  const [basics] = await query(
    conn,
    'SELECT VERSION() AS version, @@server_id AS serverId, @@global.read_only AS readOnly, @@auto_increment_increment AS inc, @@auto_increment_offset AS off',
  );
  state.version = String(basics.version);
  state.flavor = /mariadb/i.test(state.version) ? 'mariadb' : 'mysql';
  state.serverId = Number(basics.serverId);
  state.readOnly = Number(basics.readOnly) === 1;
  state.autoIncrementIncrement = Number(basics.inc);
  state.autoIncrementOffset = Number(basics.off);
  if (state.flavor === 'mariadb') {
    const [g] = await query(conn, 'SELECT @@gtid_domain_id AS domain, @@gtid_binlog_pos AS binlogPos, @@gtid_current_pos AS currentPos');
    state.gtidDomainId = Number(g.domain);
    state.gtidPosition = String(g.binlogPos ?? '');
    state.gtidCurrentPos = String(g.currentPos ?? '');
  } else {
    const [g] = await query(conn, 'SELECT @@global.super_read_only AS sro, @@global.gtid_executed AS executed');
    state.superReadOnly = Number(g.sro) === 1;
    state.gtidPosition = String(g.executed ?? '').replace(/\s+/g, '');
  }
  state.replica = await replicaStatus(conn);
  await refreshPosition(conn, state);
  return state;
}

/** Re-reads what the node has written: GTID position and binlog file/position. */
async function refreshPosition(conn: Conn, state: NodeState): Promise<void> {
  const [g] = await query(conn, state.flavor === 'mariadb' ? 'SELECT @@gtid_binlog_pos AS p' : 'SELECT @@global.gtid_executed AS p');
  state.gtidPosition = String(g.p ?? '').replace(/\s+/g, '');
  try {
    const rows = await query(conn, state.flavor === 'mysql' && !/^8\.0\./.test(state.version ?? '') ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS');
    if (rows[0]) {
      state.binlogFile = str(rows[0].File);
      state.binlogPosition = num(rows[0].Position);
    }
  } catch {
    // Needs BINLOG MONITOR / REPLICATION CLIENT; positions are a fallback only.
  }
}

const CONFIG_ERRNOS = new Set([1044, 1045, 1049, 1227, 1142, 1698]);

/** Connects to one site and reads its state; an unreachable node is a fact, not an exception. */
async function withNode<T>(args: MysqlArgs, site: SiteRole, password: string, use: (conn: Conn, state: NodeState) => Promise<T>): Promise<{ state: NodeState; result?: T }> {
  const endpoint = `${args.sites[site].host}:${args.sites[site].port}`;
  const state: NodeState = { site, name: args.siteNames[site], endpoint, reachable: false };
  let conn: Conn | undefined;
  try {
    conn = await connect(args, site, password);
    state.reachable = true;
    await inspectConn(conn, state);
    return { state, result: await use(conn, state) };
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    if (errno !== undefined && CONFIG_ERRNOS.has(errno)) {
      throw ApplicationFailure.nonRetryable(
        `${args.component} on ${state.name} (${endpoint}) refused the drill account "${args.user}": ${(error as Error).message}. Check the plan's user, password reference and the account's grants.`,
        'DatabaseMisconfigured',
      );
    }
    if (state.reachable && state.version) throw error;
    state.reachable = false;
    state.error = (error as { code?: string }).code ?? (error as Error).message;
    state.errno = errno;
    return { state };
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

const inspect = (args: MysqlArgs, site: SiteRole, password: string) => withNode(args, site, password, async () => undefined).then((r) => r.state);

/** The facts a report shows about a node, without noise. */
function nodeFacts(s: NodeState): Record<string, unknown> {
  if (!s.reachable) return { site: s.site, name: s.name, endpoint: s.endpoint, reachable: false, error: s.error };
  return {
    site: s.site,
    name: s.name,
    endpoint: s.endpoint,
    reachable: true,
    version: s.version,
    serverId: s.serverId,
    writable: !s.readOnly,
    readOnly: s.readOnly,
    superReadOnly: s.superReadOnly,
    autoIncrement: { increment: s.autoIncrementIncrement, offset: s.autoIncrementOffset },
    gtidDomainId: s.gtidDomainId,
    gtidPosition: s.gtidPosition,
    binlog: s.binlogFile ? `${s.binlogFile}:${s.binlogPosition}` : undefined,
    replication: s.replica && {
      configured: s.replica.configured,
      healthy: s.replica.healthy,
      problem: s.replica.problem,
      io: s.replica.ioRunning,
      sql: s.replica.sqlRunning,
      lagSeconds: s.replica.lagSeconds,
      source: s.replica.sourceHost ? `${s.replica.sourceHost}:${s.replica.sourcePort}` : undefined,
      usingGtid: s.replica.usingGtid,
      lastIoErrno: s.replica.lastIoErrno,
      lastSqlErrno: s.replica.lastSqlErrno,
    },
  };
}

const role = (s: NodeState): string => (!s.reachable ? `unreachable (${s.error})` : s.readOnly ? 'read-only' : 'writable');
const replicationPhrase = (s: NodeState): string =>
  !s.reachable || !s.replica ? 'replication unknown' : s.replica.healthy ? `replication healthy, lag ${s.replica.lagSeconds}s` : `replication ${s.replica.problem}`;

// ---- GTID arithmetic (MariaDB domain-server-seq lists) ----------------------------------------

export function parseMariaGtids(list: string | undefined): Map<number, { server: number; seq: number }> {
  const map = new Map<number, { server: number; seq: number }>();
  for (const part of (list ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [domain, server, seq] = part.split('-').map(Number);
    if ([domain, server, seq].some((n) => Number.isNaN(n))) continue;
    map.set(domain, { server, seq });
  }
  return map;
}

/** The part of `target` the candidate must still apply through replication: drops what it wrote itself. */
export function mariaWaitList(target: string | undefined, candidateServerId: number): string {
  return [...parseMariaGtids(target)]
    .filter(([, g]) => g.server !== candidateServerId)
    .map(([domain, g]) => `${domain}-${g.server}-${g.seq}`)
    .join(',');
}

/** True when `have` has reached `want` in every domain of `want`. */
export function mariaReached(have: string | undefined, want: string | undefined): boolean {
  const h = parseMariaGtids(have);
  return [...parseMariaGtids(want)].every(([domain, g]) => (h.get(domain)?.seq ?? -1) >= g.seq);
}

// ---- waiting for the candidate ----------------------------------------------------------------

export interface CatchUp {
  reached: boolean;
  method: string;
  target?: string;
  waitedMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits (in slices of at most 2 s, heartbeating) until the candidate applied `old`'s position;
 * without a reachable old writer, until it applied everything it received.
 */
async function waitCaughtUp(conn: Conn, candidate: NodeState, old: NodeState | undefined, timeoutMs: number): Promise<CatchUp> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const cancelled = cancellationSignal();
  const maria = candidate.flavor === 'mariadb';
  const usesGtid = candidate.replica?.usingGtid !== undefined && candidate.replica.usingGtid !== 'No';
  let method: string;
  let target: string | undefined;
  let check: (sliceS: number) => Promise<boolean>;

  if (old?.reachable && usesGtid && maria) {
    target = mariaWaitList(old.gtidPosition, candidate.serverId ?? -1);
    method = `MASTER_GTID_WAIT('${target}')`;
    check = async (sliceS) => {
      if (!target) return true;
      const [r] = await query(conn, 'SELECT MASTER_GTID_WAIT(?, ?) AS r', [target, sliceS]);
      return Number(r.r) === 0;
    };
  } else if (old?.reachable && usesGtid) {
    target = old.gtidPosition;
    method = `WAIT_FOR_EXECUTED_GTID_SET('${target}')`;
    check = async (sliceS) => {
      if (!target) return true;
      const [r] = await query(conn, 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS r', [target, sliceS]);
      return Number(r.r) === 0;
    };
  } else if (old?.reachable && old.binlogFile && old.binlogPosition !== undefined) {
    target = `${old.binlogFile}:${old.binlogPosition}`;
    let fn = maria ? 'MASTER_POS_WAIT' : 'SOURCE_POS_WAIT';
    method = `${fn}('${old.binlogFile}', ${old.binlogPosition})`;
    check = async (sliceS) => {
      try {
        const [r] = await query(conn, `SELECT ${fn}(?, ?, ?) AS r`, [old.binlogFile, old.binlogPosition, sliceS]);
        return r.r !== null && Number(r.r) >= 0;
      } catch (error) {
        if ((error as { errno?: number }).errno === 1305 && fn === 'SOURCE_POS_WAIT') {
          fn = 'MASTER_POS_WAIT'; // MySQL <= 8.0.25
          return false;
        }
        throw error;
      }
    };
  } else {
    // The old writer is gone: apply everything already received (received but unapplied is not lost).
    method = 'relay log applied';
    check = async (sliceS) => {
      const now = await replicaStatus(conn);
      if (maria && usesGtid) {
        const [g] = await query(conn, 'SELECT @@gtid_slave_pos AS p');
        target = mariaWaitList(now.receivedGtids, candidate.serverId ?? -1);
        if (mariaReached(String(g.p ?? ''), target)) return true;
      } else if (!maria && usesGtid && now.receivedGtids) {
        target = now.receivedGtids;
        const [r] = await query(conn, 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS r', [target, sliceS]);
        return Number(r.r) === 0;
      } else if (now.relaySourceLogFile === now.sourceLogFile && now.execSourceLogPos === now.readSourceLogPos) {
        target = `${now.sourceLogFile}:${now.readSourceLogPos}`;
        return true;
      }
      await sleep(sliceS * 1000);
      return false;
    };
  }

  const reached = await whileHeartbeating(
    (async () => {
      for (let i = 0; i < 10_000; i++) {
        if (cancelled.aborted) return false;
        const left = deadline - Date.now();
        const sliceS = Math.max(1, Math.min(2, Math.ceil(left / 1000)));
        if (await check(sliceS)) return true;
        if (Date.now() >= deadline) return false;
      }
      return false;
    })(),
    () => ({ waiting: method, waitedMs: Date.now() - started }),
  );
  return { reached, method, target, waitedMs: Date.now() - started };
}

// ---- fencing ----------------------------------------------------------------------------------

export interface FenceResult {
  alreadyFenced: boolean;
  /** Sessions that can still write after read_only (MariaDB: holders of READ_ONLY ADMIN). */
  sessionsThatCanStillWrite: { id: number; user: string; host: string; command: string }[];
  privilegesVisible: boolean;
  killed: { id: number; user: string }[];
}

async function fence(conn: Conn, node: NodeState, killSessionsOf: string[], drillUser: string): Promise<FenceResult> {
  const alreadyFenced = node.flavor === 'mysql' ? node.superReadOnly === true : node.readOnly === true;
  if (!alreadyFenced) {
    // read_only waits for commits in flight and explicit locks: bound that wait.
    await query(conn, 'SET SESSION lock_wait_timeout = 10');
    await query(conn, node.flavor === 'mysql' ? 'SET GLOBAL super_read_only = ON' : 'SET GLOBAL read_only = ON');
    node.readOnly = true;
    if (node.flavor === 'mysql') node.superReadOnly = true;
  }
  const sessions = await query(
    conn,
    `SELECT ID AS id, USER AS user, HOST AS host, COMMAND AS command FROM information_schema.PROCESSLIST
      WHERE ID <> CONNECTION_ID() AND USER NOT IN ('system user', 'event_scheduler', 'repl')
        AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Slave_IO', 'Slave_SQL', 'Slave_worker', 'Daemon')`,
  );
  const killed: FenceResult['killed'] = [];
  for (const s of sessions) {
    if (killSessionsOf.includes(String(s.user))) {
      await query(conn, `KILL CONNECTION ${Number(s.id)}`).catch(() => undefined);
      killed.push({ id: Number(s.id), user: String(s.user) });
    }
  }
  let privilegesVisible = true;
  let writers: Row[] = [];
  if (node.flavor === 'mariadb') {
    // USER_PRIVILEGES lists other accounts only when the drill account may read mysql.*.
    const holders = await query(conn, "SELECT DISTINCT GRANTEE AS g FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'READ_ONLY ADMIN'");
    const users = new Set(holders.map((h) => String(h.g).replace(/^'([^']*)'@.*$/, '$1')));
    privilegesVisible = [...users].some((u) => u !== drillUser);
    writers = sessions.filter((s) => (users.has(String(s.user)) || !privilegesVisible) && !killed.some((k) => k.id === Number(s.id)));
  }
  // The position to wait for is the one after the fence: nothing can be added to it any more.
  await refreshPosition(conn, node);
  return {
    alreadyFenced,
    sessionsThatCanStillWrite: writers.map((s) => ({ id: Number(s.id), user: String(s.user), host: String(s.host), command: String(s.command) })),
    privilegesVisible,
    killed,
  };
}

async function makeWritable(conn: Conn, node: NodeState): Promise<void> {
  if (node.flavor === 'mysql') await query(conn, 'SET GLOBAL super_read_only = OFF');
  await query(conn, 'SET GLOBAL read_only = OFF');
  node.readOnly = false;
  node.superReadOnly = false;
}

// ---- canary -----------------------------------------------------------------------------------

const canaryId = (input: StepInput, args: MysqlArgs): string => canaryKey(input, args.canary);

async function ensureCanaryTable(conn: Conn, db: string): Promise<void> {
  await query(conn, `CREATE DATABASE IF NOT EXISTS \`${db}\``);
  await query(
    conn,
    `CREATE TABLE IF NOT EXISTS \`${db}\`.canary (
       id VARCHAR(190) NOT NULL PRIMARY KEY,
       kind VARCHAR(16) NOT NULL,
       drill_id VARCHAR(160) NOT NULL,
       site VARCHAR(64) NOT NULL,
       written_at DATETIME(6) NOT NULL,
       lag_seconds INT NULL,
       note VARCHAR(255) NULL)`,
  );
}

interface CanaryRow {
  id: string;
  kind: string;
  site: string;
  written_at: string;
  lag_seconds: number | null;
  note: string | null;
}

async function readCanary(conn: Conn, db: string, id: string): Promise<CanaryRow | undefined> {
  try {
    const rows = await query(conn, `SELECT id, kind, site, written_at, lag_seconds, note FROM \`${db}\`.canary WHERE id = ?`, [id]);
    return rows[0] as unknown as CanaryRow | undefined;
  } catch (error) {
    if ([1146, 1049].includes((error as { errno?: number }).errno ?? 0)) return undefined; // no table / db yet
    throw error;
  }
}

async function writeCanary(conn: Conn, db: string, row: Omit<CanaryRow, 'written_at'> & { drillId: string }): Promise<CanaryRow> {
  await ensureCanaryTable(conn, db);
  await query(
    conn,
    `INSERT INTO \`${db}\`.canary (id, kind, drill_id, site, written_at, lag_seconds, note) VALUES (?, ?, ?, ?, NOW(6), ?, ?)
     ON DUPLICATE KEY UPDATE id = id`,
    [row.id, row.kind, row.drillId, row.site, row.lag_seconds, row.note],
  );
  return (await readCanary(conn, db, row.id)) as CanaryRow;
}

// ---- the activities ---------------------------------------------------------------------------

function retry(message: string, type: string, facts: Record<string, unknown>): never {
  throw ApplicationFailure.retryable(message, type, facts);
}

export function createMysqlActivities(): StepDrivers<MysqlAction> {
  const setup = async (input: StepInput<MysqlAction>) => {
    const args: MysqlArgs = input.step.args;
    const password = await resolveSecret(args.password, `${input.step.id}.password`);
    return { args, password };
  };

  return {
    /** Is this site's node serving? Reports its role and replication; fails only when unreachable. */
    async mysqlHealth(input) {
      const { args, password } = await setup(input);
      const site = input.step.site ?? args.to;
      const node = await inspect(args, site, password);
      const facts = { node: nodeFacts(node) };
      if (!node.reachable) retry(`${args.component} on ${node.name} (${node.endpoint}) is not reachable: ${node.error}`, 'DatabaseUnreachable', facts);
      return { summary: `${args.component} on ${node.name} answers: ${role(node)}, ${replicationPhrase(node)}`, facts };
    },

    /** Both nodes up, ids distinct, auto-increment settings that cannot collide, replication both ways, one writer. */
    async mysqlPreflight(input) {
      const { args, password } = await setup(input);
      const [p, s] = await Promise.all([inspect(args, 'primary', password), inspect(args, 'secondary', password)]);
      const problems = pairProblems(p, s);
      const facts = { nodes: [nodeFacts(p), nodeFacts(s)], problems };
      if (problems.length) retry(`${args.component} is not ready for a drill: ${problems.join('; ')}`, 'PreflightFailed', facts);
      const writer = !p.readOnly ? p : s;
      return { summary: `${args.component}: ${writer.name} writes, both directions replicate (lag ${p.replica?.lagSeconds}s / ${s.replica?.lagSeconds}s), auto-increment offsets ${p.autoIncrementOffset}/${s.autoIncrementOffset} step ${p.autoIncrementIncrement}`, facts };
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
      const facts: Record<string, unknown> = { nodes: [nodeFacts(old), nodeFacts(cand)], planned: args.planned, rpoObjectiveMs: args.rpoMs };
      if (cand.reachable && !cand.readOnly && (!old.reachable || old.readOnly)) {
        return { summary: `${args.component}: ${cand.name} is already the writer; nothing to guard`, facts: { ...facts, alreadySwitched: true } };
      }
      if (!cand.reachable) retry(`${args.component}: the switch target ${cand.name} (${cand.endpoint}) is not reachable: ${cand.error}`, 'DatabaseUnreachable', facts);
      const lag = cand.replica?.lagSeconds ?? null;
      facts.lagSeconds = lag;
      if (args.planned) {
        if (!old.reachable) retry(`${args.component}: the current writer ${old.name} is not reachable (${old.error}); a planned switchover needs it (use failover mode for an outage)`, 'DatabaseUnreachable', facts);
        if (!cand.replica?.healthy) {
          retry(`refusing a planned switchover of ${args.component} to ${cand.name}: replication from ${old.name} is broken (${cand.replica?.problem}). An operator may skip this guard with a reason.`, 'ReplicationBroken', facts);
        }
        if (args.rpoMs !== undefined && lag !== null && lag * 1000 > args.rpoMs) {
          retry(`refusing a planned switchover of ${args.component} to ${cand.name}: it lags ${lag}s, more than the RPO objective of ${args.rpoMs / 1000}s. An operator may skip this guard with a reason.`, 'LagOverObjective', facts);
        }
      }
      let canary: CanaryRow | undefined;
      const writer = old.reachable && !old.readOnly ? old : undefined;
      if (writer) {
        const { result } = await withNode(args, writer.site, password, (conn) =>
          writeCanary(conn, args.canaryDatabase, { id: canaryId(input, args), kind: 'canary', drillId: input.drillId, site: writer.name, lag_seconds: lag, note: `before ${args.planned ? 'switchover' : 'failover'} ${from} -> ${to}` }),
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
      const { state, result } = await withNode(args, site, password, (conn, node) => fence(conn, node, args.killSessionsOf, args.user));
      const facts = { node: nodeFacts(state), fence: result };
      if (!state.reachable || !result) retry(`${args.component} on ${state.name} is not reachable to fence (${state.error})`, 'DatabaseUnreachable', facts);
      const still = result.sessionsThatCanStillWrite;
      return {
        summary:
          `${args.component} on ${state.name}: ${result.alreadyFenced ? 'already read-only' : 'now read-only'} at ${state.gtidPosition || `${state.binlogFile}:${state.binlogPosition}`}` +
          (result.killed.length ? `; killed ${result.killed.length} app session(s)` : '') +
          (still.length ? `; ${still.length} session(s) can still write (${[...new Set(still.map((s) => s.user))].join(', ')} hold READ_ONLY ADMIN)` : '; no session can still write') +
          (state.flavor === 'mariadb' && !result.privilegesVisible ? ' (the drill account cannot see other accounts\' privileges)' : ''),
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
      if (!cand0.reachable) retry(`${args.component}: ${cand0.name} (${cand0.endpoint}) is not reachable to promote: ${cand0.error}`, 'DatabaseUnreachable', { node: nodeFacts(cand0) });

      // The old writer: fence it when reachable (idempotent), remember its position.
      const oldSide = await withNode(args, from, password, (conn, node) => fence(conn, node, args.killSessionsOf, args.user));
      const old = oldSide.state;
      const fenced = oldSide.result;
      const facts: Record<string, unknown> = { planned: args.planned, old: nodeFacts(old), fence: fenced ?? null };

      if (!cand0.readOnly) {
        facts.candidate = nodeFacts(cand0);
        return { summary: `${args.component}: ${cand0.name} is already the writer; ${old.name} is ${role(old)}`, facts: { ...facts, alreadyWriter: true } };
      }

      const { state: cand, result } = await withNode(args, to, password, async (conn, node) => {
        const lagBefore = node.replica?.lagSeconds ?? null;
        const catchUp = await waitCaughtUp(conn, node, old.reachable ? old : undefined, args.planned ? args.catchUpTimeoutMs : Math.min(args.catchUpTimeoutMs, 10_000));
        if (!catchUp.reached && args.planned) return { catchUp, lagBefore, promoted: false };
        await makeWritable(conn, node);
        await writeCanary(conn, args.canaryDatabase, {
          id: `${canaryId(input, args)}:cutover`,
          kind: 'cutover',
          drillId: input.drillId,
          site: node.name,
          lag_seconds: catchUp.reached ? 0 : lagBefore,
          note: `${args.planned ? 'switchover' : 'failover'} to ${node.name}; ${catchUp.method} ${catchUp.reached ? 'reached' : 'not reached'}`,
        });
        return { catchUp, lagBefore, promoted: true };
      });
      facts.candidate = nodeFacts(cand);
      if (!result) retry(`${args.component}: lost ${cand.name} while promoting it (${cand.error})`, 'DatabaseUnreachable', facts);
      Object.assign(facts, { catchUp: result.catchUp, lagSecondsBefore: result.lagBefore });

      if (!result.promoted) {
        // Roll back a fence this step put up, so the old writer serves again.
        let rolledBack = false;
        if (fenced && !fenced.alreadyFenced && old.reachable) {
          await withNode(args, from, password, (conn, node) => makeWritable(conn, node));
          rolledBack = true;
        }
        retry(
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
      const why = args.planned ? `${old.name} ${old.reachable ? (fenced?.alreadyFenced ? 'was already read-only' : 'fenced read-only') : 'down'}` : old.reachable ? `${old.name} reachable and fenced` : `primary unreachable`;
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
      const id = canaryId(input, args);
      // The canary may still be on its way through replication: look for at most 10 s.
      const deadline = Date.now() + 10_000;
      let seen = await withNode(args, to, password, async (conn) => ({ canary: await readCanary(conn, args.canaryDatabase, id), cutover: await readCanary(conn, args.canaryDatabase, `${id}:cutover`) }));
      for (let i = 0; i < 50 && seen.state.reachable && !(seen.result?.canary && seen.result.cutover) && Date.now() < deadline; i++) {
        await sleep(200);
        seen = await withNode(args, to, password, async (conn) => ({ canary: await readCanary(conn, args.canaryDatabase, id), cutover: await readCanary(conn, args.canaryDatabase, `${id}:cutover`) }));
      }
      const { state: cand, result } = seen;
      const facts: Record<string, unknown> = { nodes: [nodeFacts(cand), nodeFacts(old)], canary: result?.canary ?? null, cutover: result?.cutover ?? null };
      if (!cand.reachable) retry(`${args.component}: ${cand.name} is not reachable (${cand.error})`, 'DatabaseUnreachable', facts);
      if (cand.readOnly) retry(`${args.component}: ${cand.name} is still read-only after the switch`, 'NotWritable', facts);
      if (old.reachable && !old.readOnly) retry(`${args.component}: TWO WRITERS: ${old.name} is writable as well as ${cand.name}`, 'TwoWriters', facts);
      const canaryFound = Boolean(result?.canary);
      const lag = result?.cutover?.lag_seconds ?? null;
      facts.rpoEvidence = {
        canaryFound,
        dataLossMs: canaryFound && lag !== null ? Number(lag) * 1000 : undefined,
        detail: canaryFound
          ? `canary ${id} written on ${result?.canary?.site} at ${result?.canary?.written_at} was read on ${cand.name}; lag at cutover ${lag ?? 'unknown'}s`
          : `canary ${id} was NOT found on ${cand.name}${result?.cutover ? '' : ' (and no cutover marker: was the switch made by this drill?)'}`,
      };
      if (!canaryFound && args.planned) retry(`${args.component}: the canary written before the switch is missing on ${cand.name}: data was lost`, 'CanaryMissing', facts);
      return {
        summary: `${args.component}: ${cand.name} is the only writer (${old.name} ${role(old)}); canary ${canaryFound ? 'found' : 'missing'}, lag at cutover ${lag ?? 'unknown'}s; ${replicationPhrase(old)} on ${old.name}`,
        facts,
      };
    },
  };
}

/** What makes a master-master pair unsafe to drill; empty when it is fine. */
export function pairProblems(p: NodeState, s: NodeState): string[] {
  const problems: string[] = [];
  for (const n of [p, s]) if (!n.reachable) problems.push(`${n.name} unreachable (${n.error})`);
  if (!p.reachable || !s.reachable) return problems;
  if (p.serverId === s.serverId) problems.push(`both nodes have server_id ${p.serverId}`);
  const inc = [p.autoIncrementIncrement ?? 1, s.autoIncrementIncrement ?? 1];
  if (Math.min(...inc) < 2) problems.push(`auto_increment_increment is ${inc.join('/')}: two writers would hand out the same ids (needs >= 2)`);
  if (p.autoIncrementOffset === s.autoIncrementOffset) problems.push(`both nodes have auto_increment_offset ${p.autoIncrementOffset}: ids collide`);
  for (const n of [p, s]) {
    if ((n.autoIncrementOffset ?? 1) > (n.autoIncrementIncrement ?? 1)) problems.push(`${n.name}: auto_increment_offset ${n.autoIncrementOffset} > increment ${n.autoIncrementIncrement} (offset is ignored)`);
  }
  if (p.flavor === 'mariadb' && s.flavor === 'mariadb' && p.gtidDomainId === s.gtidDomainId) {
    problems.push(`both nodes use gtid_domain_id ${p.gtidDomainId}; each writer of a multi-primary pair needs its own domain`);
  }
  for (const n of [p, s]) if (!n.replica?.healthy) problems.push(`replication into ${n.name}: ${n.replica?.problem}`);
  if (!p.readOnly && !s.readOnly) problems.push('both nodes are writable');
  if (p.readOnly && s.readOnly) problems.push('neither node is writable');
  return problems;
}

export type { Observation };
