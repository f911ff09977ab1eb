/**
 * Watches both sides of the lab's database pairs while a drill runs, sampling every ~100 ms, and
 * keeps every moment at which both sides of a pair would take writes: a split brain.
 *
 * A sample is one of three answers. "writable" and "not writable" come from the server itself
 * (read_only, recovery, default_transaction_read_only). "down" is a refused connection: on loopback
 * that is the kernel saying nothing listens on the port, so nobody can write through it (the drill
 * stops the PostgreSQL primary for minutes on purpose). Anything else (a timeout, an error during
 * start-up or shutdown, a refused login, a failed query) is "unknown": the watch could not tell, and
 * an unknown is never counted as "not writable". A watch with too many unknowns proves nothing, so
 * stop() fails saying so.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import type { DataLab } from './dataLab';
import type { SiteRole } from '../../domain';

const SITES: SiteRole[] = ['primary', 'secondary'];
const SERVERS = ['mariadb', 'postgres'] as const;
type Server = (typeof SERVERS)[number];

/** More unknown samples than this share of one node's samples, and the watch proves nothing. */
export const MAX_UNKNOWN_SHARE = 0.1;
/** A node unknown for longer than this at a stretch could have been a second writer unseen. */
export const MAX_UNKNOWN_STRETCH_MS = 2000;

type Answer = { kind: 'writable' } | { kind: 'not writable' } | { kind: 'down' } | { kind: 'unknown'; why: string };

/** What the watch saw of one node. */
export interface NodeWatch {
  samples: number;
  unknown: number;
  down: number;
  longestUnknownMs: number;
  /** The reasons unknown samples gave, with how often. */
  unknownWhy: Record<string, number>;
}

export interface Watched {
  /** Rounds of samples (each asks all four nodes at once). */
  samples: number;
  bothWritable: string[];
  sawWritable: Record<Server, Record<SiteRole, boolean>>;
  nodes: Record<Server, Record<SiteRole, NodeWatch>>;
}

export interface WriterWatch {
  /**
   * Resolves after the first round of samples that leaves `seen` true of what the watch saw so far
   * (a stretch of unknowns still open counts up to that round); fails if sampling ends first.
   */
  until(seen: (watched: Watched) => boolean): Promise<Watched>;
  /** Stops sampling; returns what it saw, or fails when too many samples were unknown. */
  stop(): Promise<Watched>;
}

const isRefused = (error: unknown): boolean => (error as { code?: string }).code === 'ECONNREFUSED';
const why = (error: unknown): string => (error as { code?: string }).code ?? (error as Error).message ?? String(error);

export function watchWriters(lab: {
  ports: Pick<DataLab['ports'], 'mariadb' | 'postgres'>;
  secret: DataLab['secret'];
}): WriterWatch {
  const password = (name: string) => readFileSync(lab.secret(name).file as string, 'utf8').trim();
  const mariadbSample = async (site: SiteRole): Promise<Answer> => {
    let c: mysql.Connection;
    try {
      c = await mysql.createConnection({
        host: '127.0.0.1',
        port: lab.ports.mariadb[site],
        user: 'drill',
        password: password('mysql-drill'),
        connectTimeout: 1000,
      });
    } catch (error) {
      return isRefused(error) ? { kind: 'down' } : { kind: 'unknown', why: why(error) };
    }
    try {
      const [rows] = await c.query('SELECT @@global.read_only AS ro');
      return Number((rows as { ro: number }[])[0].ro) === 0 ? { kind: 'writable' } : { kind: 'not writable' };
    } catch (error) {
      return { kind: 'unknown', why: why(error) };
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const postgresSample = async (site: SiteRole): Promise<Answer> => {
    const c = new PgClient({
      host: '127.0.0.1',
      port: lab.ports.postgres[site],
      user: 'drill',
      password: password('pg-drill'),
      database: 'postgres',
      connectionTimeoutMillis: 1000,
    });
    try {
      await c.connect();
    } catch (error) {
      await c.end().catch(() => undefined);
      return isRefused(error) ? { kind: 'down' } : { kind: 'unknown', why: why(error) };
    }
    try {
      const { rows } = await c.query(
        "SELECT pg_is_in_recovery() AS standby, current_setting('default_transaction_read_only') AS ro",
      );
      return rows[0].standby === false && rows[0].ro === 'off' ? { kind: 'writable' } : { kind: 'not writable' };
    } catch (error) {
      return { kind: 'unknown', why: why(error) };
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  const fresh = (): NodeWatch => ({ samples: 0, unknown: 0, down: 0, longestUnknownMs: 0, unknownWhy: {} });
  const nodes: Watched['nodes'] = {
    mariadb: { primary: fresh(), secondary: fresh() },
    postgres: { primary: fresh(), secondary: fresh() },
  };
  const sawWritable: Watched['sawWritable'] = {
    mariadb: { primary: false, secondary: false },
    postgres: { primary: false, secondary: false },
  };
  /** When each node's current stretch of unknown samples began. */
  const unknownSince: Partial<Record<`${Server}.${SiteRole}`, number>> = {};
  const bothWritable: string[] = [];
  let samples = 0;

  const note = (server: Server, site: SiteRole, answer: Answer, at: number): void => {
    const node = nodes[server][site];
    node.samples += 1;
    const key = `${server}.${site}` as const;
    if (answer.kind === 'unknown') {
      node.unknown += 1;
      node.unknownWhy[answer.why] = (node.unknownWhy[answer.why] ?? 0) + 1;
      unknownSince[key] ??= at;
    } else {
      if (unknownSince[key] !== undefined)
        node.longestUnknownMs = Math.max(node.longestUnknownMs, at - unknownSince[key]);
      delete unknownSince[key];
      if (answer.kind === 'down') node.down += 1;
      if (answer.kind === 'writable') sawWritable[server][site] = true;
    }
  };

  /** What the watch saw as of `at`, open stretches of unknowns counted up to then. */
  const snapshot = (at: number): Watched => {
    const copy = structuredClone(nodes);
    for (const server of SERVERS) {
      for (const site of SITES) {
        const open = unknownSince[`${server}.${site}`];
        if (open !== undefined)
          copy[server][site].longestUnknownMs = Math.max(copy[server][site].longestUnknownMs, at - open);
      }
    }
    return { samples, bothWritable: [...bothWritable], sawWritable: structuredClone(sawWritable), nodes: copy };
  };
  const waiters: {
    seen: (watched: Watched) => boolean;
    resolve: (watched: Watched) => void;
    reject: (error: Error) => void;
  }[] = [];
  const tellWaiters = (at: number): void => {
    const watched = snapshot(at);
    for (const waiter of waiters.filter((w) => w.seen(watched))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(watched);
    }
  };

  let running = true;
  const loop = (async () => {
    // Bounded: the drill test's own timeout is far shorter than this many samples.
    for (let i = 0; running && i < 20_000; i++) {
      const [m1, m2, p1, p2] = await Promise.all([...SITES.map(mariadbSample), ...SITES.map(postgresSample)]);
      const at = Date.now();
      samples += 1;
      const answers: Record<Server, [Answer, Answer]> = { mariadb: [m1, m2], postgres: [p1, p2] };
      for (const server of SERVERS) {
        SITES.forEach((site, n) => note(server, site, answers[server][n], at));
        if (answers[server].every((a) => a.kind === 'writable'))
          bothWritable.push(`${new Date(at).toISOString()} ${server}`);
      }
      tellWaiters(at);
      // The sampling interval: about ten answers a second per node, without crowding a 2-core machine.
      await sleep(100);
    }
    for (const waiter of waiters.splice(0))
      waiter.reject(
        new Error(`the writer watch stopped sampling after ${samples} rounds before what was awaited was seen`),
      );
  })();

  return {
    until: (seen) => new Promise<Watched>((resolve, reject) => void waiters.push({ seen, resolve, reject })),
    async stop() {
      running = false;
      await loop;
      const end = Date.now();
      const problems: string[] = [];
      for (const server of SERVERS) {
        for (const site of SITES) {
          const node = nodes[server][site];
          const open = unknownSince[`${server}.${site}`];
          if (open !== undefined) node.longestUnknownMs = Math.max(node.longestUnknownMs, end - open);
          const reasons = Object.entries(node.unknownWhy)
            .map(([reason, n]) => `${reason} x${n}`)
            .join(', ');
          if (node.unknown > node.samples * MAX_UNKNOWN_SHARE) {
            problems.push(
              `${server} ${site}: ${node.unknown} of ${node.samples} samples unknown (more than ${MAX_UNKNOWN_SHARE * 100}%): ${reasons}`,
            );
          }
          if (node.longestUnknownMs > MAX_UNKNOWN_STRETCH_MS) {
            problems.push(
              `${server} ${site}: unknown for ${(node.longestUnknownMs / 1000).toFixed(1)} s at a stretch (more than ${MAX_UNKNOWN_STRETCH_MS / 1000} s): ${reasons}`,
            );
          }
        }
      }
      if (problems.length) {
        const seen = bothWritable.length ? `\n  and it did see two writers at: ${bothWritable.join(', ')}` : '';
        throw new Error(
          `the writer watch could not tell whether a node took writes too often to prove there was never a second writer:\n  ${problems.join('\n  ')}${seen}`,
        );
      }
      return { samples, bothWritable, sawWritable, nodes };
    },
  };
}
