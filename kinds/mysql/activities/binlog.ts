/**
 * Reading a MariaDB node's binlog over the network (`mariadb-binlog --read-from-remote-server`,
 * rows decoded): the transactions it holds, each with its GTID, the time its origin committed it
 * (replication keeps the origin's timestamp) and its rows as text a person can read. The drill
 * account needs REPLICATION SLAVE for it; the password goes through a private defaults file, never
 * argv.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { guardClient } from '../../kit/activities/clients';
import { failNonRetryable, failRetryable } from '../../kit/activities/failures';
import type { SiteRole } from '../../../domain';
import type { MysqlArgs } from '../actions';

export interface BinlogTransaction {
  gtid: string;
  domain: number;
  server: number;
  seq: number;
  /** When its origin committed it (ISO, second precision). */
  at: string;
  rows: string[];
}

export interface BinlogFile {
  /** The Gtid list event at the file's start: per domain, the last sequence written before this file. */
  before: Map<number, number>;
  transactions: BinlogTransaction[];
}

/** `#261207 21:22:58 server id 2  end_log_pos 384 CRC32 0x8f41249c 	GTID 2-2-1 trans` (the client runs with TZ=UTC). */
const EVENT_HEAD = /^#(\d{2})(\d{2})(\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+server id (\d+)\s.*?\t(.*)$/;

const isoOf = (m: RegExpExecArray): string =>
  new Date(
    Date.UTC(2000 + Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])),
  ).toISOString();

/**
 * Turns `mariadb-binlog --base64-output=decode-rows -v` output into transactions. `columns` names a
 * table's columns in order ("`tip`.`ind`" -> ["id", "v"]) so `@1=5` reads `id=5`; unknown tables keep @N.
 */
export function parseBinlog(
  text: string,
  columns: (table: string) => string[] | undefined = () => undefined,
): BinlogFile {
  const before = new Map<number, number>();
  const transactions: BinlogTransaction[] = [];
  let current: BinlogTransaction | undefined;
  // One decoded row change: "INSERT INTO `t`" then "SET"/"WHERE" sections of "@N=value" lines.
  let change: { head: string; table: string; sections: { name: string; values: string[] }[] } | undefined;
  const flush = () => {
    if (!change || !current) return;
    const names = columns(change.table);
    const text = change.sections
      .map((s) => {
        const values = s.values.map((v) => {
          const m = /^@(\d+)=(.*)$/.exec(v);
          const name = m && names?.[Number(m[1]) - 1];
          return name ? `${name}=${m[2]}` : v;
        });
        return `${s.name} ${values.join(', ')}`;
      })
      .join(' ');
    current.rows.push(`${change.head} ${text}`.trim());
    change = undefined;
  };
  for (const line of text.split('\n')) {
    const head = EVENT_HEAD.exec(line);
    if (head) {
      flush();
      const what = head[8];
      const list = /^Gtid list \[(.*)\]/.exec(what);
      if (list) {
        for (const g of list[1].split(',').filter(Boolean)) {
          const [domain, , seq] = g.trim().split('-').map(Number);
          before.set(domain, Math.max(before.get(domain) ?? 0, seq));
        }
      }
      const gtid = /^GTID (\d+)-(\d+)-(\d+)/.exec(what);
      if (gtid) {
        current = {
          gtid: `${gtid[1]}-${gtid[2]}-${gtid[3]}`,
          domain: Number(gtid[1]),
          server: Number(gtid[2]),
          seq: Number(gtid[3]),
          at: isoOf(head),
          rows: [],
        };
        transactions.push(current);
      }
      continue;
    }
    const row = /^### (.*)$/.exec(line);
    if (!row) continue;
    const body = row[1];
    const stmt = /^(INSERT INTO|UPDATE|DELETE FROM) (\S+)$/.exec(body);
    if (stmt) {
      flush();
      change = { head: body, table: stmt[2], sections: [] };
    } else if (change && /^(SET|WHERE)$/.test(body)) {
      change.sections.push({ name: body, values: [] });
    } else if (change?.sections.length) {
      change.sections[change.sections.length - 1].values.push(body.trim().replace(/\s+\/\*.*\*\/$/, ''));
    }
  }
  flush();
  return { before, transactions };
}

const BINLOG_TOOL = process.env.DRILLBOOK_MARIADB_BINLOG ?? 'mariadb-binlog';

/** One binlog file of one node, decoded; fails retryable when the node stops answering, non-retryable when the tool or the grant is missing. */
export async function readBinlogFile(
  args: MysqlArgs,
  site: SiteRole,
  password: string,
  file: string,
  timeoutMs = 60_000,
): Promise<string> {
  const { host, port } = args.sites[site];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drillbook-binlog-'));
  const defaults = path.join(dir, 'client.cnf');
  try {
    await writeFile(defaults, `[client]\npassword=${password.replace(/\n/g, '')}\n`, { mode: 0o600 });
    return await new Promise<string>((resolve, reject) => {
      const child = execFile(
        BINLOG_TOOL,
        [
          `--defaults-extra-file=${defaults}`,
          '--read-from-remote-server',
          `--host=${host}`,
          `--port=${port}`,
          `--user=${args.user}`,
          '--base64-output=decode-rows',
          '--verbose',
          file,
        ],
        { timeout: timeoutMs, maxBuffer: 256 << 20, env: { ...process.env, TZ: 'UTC' } },
        (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve(stdout)),
      );
      guardClient(child, { kind: 'command', endpoint: BINLOG_TOOL, label: `${args.component} binlog ${file}` });
    });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT')
      failNonRetryable(
        `${BINLOG_TOOL} is not installed on this worker: it reads ${args.component}'s binlog (install mariadb-client, or set DRILLBOOK_MARIADB_BINLOG)`,
        'ToolMissing',
      );
    if (/Access denied|command denied/i.test(e.stderr ?? ''))
      failNonRetryable(
        `${args.component} on ${args.siteNames[site]} refused to stream its binlog to "${args.user}": ${e.stderr?.trim()}. Grant it REPLICATION SLAVE.`,
        'DatabaseMisconfigured',
      );
    failRetryable(
      `reading ${file} from ${args.component} on ${args.siteNames[site]} failed: ${(e.stderr || e.message).trim().split('\n').pop()}`,
      'BinlogUnreadable',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
