/**
 * What a returned old writer executed that never reached the new one (its GTIDs beyond the new
 * side's, with their rows read from its binlog), and the newest transaction the new side holds from
 * the lost writer (the basis of an outage's RPO). MariaDB only: each writer of the pair has its own
 * GTID domain, so "beyond" is a sequence number per domain.
 */
import type { WriteToReconcile } from '../../../domain';
import { type BinlogTransaction, parseBinlog, readBinlogFile } from './binlog';
import { parseMariaGtids } from './gtid';
import { type Conn, query } from './sql';
import type { SiteRole } from '../../../domain';
import type { MysqlArgs } from '../actions';

/** Per domain, the sequence numbers `old` executed beyond everything `have` lists: (after, upTo]. */
export function missingRanges(old: string | undefined, ...have: (string | undefined)[]) {
  const haveSeq = new Map<number, number>();
  for (const list of have)
    for (const [domain, g] of parseMariaGtids(list)) haveSeq.set(domain, Math.max(haveSeq.get(domain) ?? 0, g.seq));
  return [...parseMariaGtids(old)]
    .filter(([domain, g]) => g.seq > (haveSeq.get(domain) ?? 0))
    .map(([domain, g]) => ({ domain, after: haveSeq.get(domain) ?? 0, upTo: g.seq }));
}
export type MissingRange = ReturnType<typeof missingRanges>[number];

/** How many missing transactions the ranges name. */
export const missingCount = (ranges: MissingRange[]): number => ranges.reduce((n, r) => n + r.upTo - r.after, 0);

/** A node's binlog files, oldest first (SHOW BINARY LOGS needs BINLOG MONITOR). */
async function binlogFiles(conn: Conn): Promise<string[]> {
  return (await query(conn, 'SHOW BINARY LOGS')).map((r) => String(r.Log_name));
}

/** Column names by table ("`tip`.`ind`"), as far as the drill account can see them. */
async function columnNames(conn: Conn): Promise<(table: string) => string[] | undefined> {
  const rows = await query(
    conn,
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
      ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
  );
  const byTable = new Map<string, string[]>();
  for (const r of rows) {
    const key = `\`${String(r.s)}\`.\`${String(r.t)}\``;
    byTable.set(key, [...(byTable.get(key) ?? []), String(r.c)]);
  }
  return (table) => byTable.get(table);
}

/** Most files read looking back; a writer lost for long enough to fill more is beyond a drill's listing. */
const MAX_FILES = 50;

/**
 * Reads the old writer's binlog newest file first until every missing transaction is found (a
 * file's Gtid list says what came before it). Returns the writes in commit order and how many of
 * the missing ones were not found (purged binlogs).
 */
export async function writesToReconcile(
  conn: Conn,
  args: MysqlArgs,
  site: SiteRole,
  password: string,
  ranges: MissingRange[],
): Promise<{ writes: WriteToReconcile[]; notFound: number; filesRead: string[] }> {
  if (!ranges.length) return { writes: [], notFound: 0, filesRead: [] };
  const columns = await columnNames(conn);
  const files = (await binlogFiles(conn)).reverse().slice(0, MAX_FILES);
  const found = new Map<string, BinlogTransaction>();
  const filesRead: string[] = [];
  const wanted = (t: BinlogTransaction) =>
    ranges.some((r) => r.domain === t.domain && t.seq > r.after && t.seq <= r.upTo);
  for (const file of files) {
    const parsed = parseBinlog(await readBinlogFile(args, site, password, file), columns);
    filesRead.push(file);
    for (const t of parsed.transactions) if (wanted(t)) found.set(t.gtid, t);
    // Nothing missing can be in an older file once this one starts at or before every range.
    if (ranges.every((r) => (parsed.before.get(r.domain) ?? 0) <= r.after)) break;
  }
  const writes = [...found.values()]
    .sort((a, b) => a.domain - b.domain || a.seq - b.seq)
    .map((t) => ({ position: t.gtid, at: t.at, rows: t.rows }));
  return { writes, notFound: missingCount(ranges) - writes.length, filesRead };
}

/** Most files the newest-replicated search reads back. */
const MAX_FILES_NEWEST = 5;

/**
 * The newest transaction the node holds that another server wrote (with log_slave_updates the
 * replica binlogs what it applied, keeping the origin's server id and commit time). Undefined when
 * none is in its newest files.
 */
export async function newestReplicated(
  conn: Conn,
  args: MysqlArgs,
  site: SiteRole,
  password: string,
  ownServerId: number,
): Promise<{ transaction?: BinlogTransaction; filesRead: string[] }> {
  const files = (await binlogFiles(conn)).reverse().slice(0, MAX_FILES_NEWEST);
  const filesRead: string[] = [];
  for (const file of files) {
    const parsed = parseBinlog(await readBinlogFile(args, site, password, file));
    filesRead.push(file);
    const theirs = parsed.transactions.filter((t) => t.server !== ownServerId);
    if (theirs.length) return { transaction: theirs[theirs.length - 1], filesRead };
  }
  return { filesRead };
}
