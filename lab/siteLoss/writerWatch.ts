/**
 * Watches both sides of every replicated pair of a lab (MariaDB, PostgreSQL, Redis) while a drill
 * runs, sampling every ~100 ms, and keeps every moment at which both sides of a pair would take
 * writes: a split brain. The data-drill test and the site-loss demo (through the loss, the old
 * site's return and the failback) both watch with it.
 *
 * A sample is one of three answers. "writable" and "not writable" come from the server itself
 * (read_only, recovery, default_transaction_read_only). "down" is a refused connection: on loopback
 * that is the kernel saying nothing listens on the port, so nobody can write through it (the drill
 * stops the PostgreSQL primary for minutes on purpose). PostgreSQL's 57P03 ("the database system is
 * starting up / not yet accepting connections") counts as down too: the postmaster itself refuses
 * every client connection then, so nobody can write through it. Anything else (a timeout, an error during
 * start-up or shutdown, a refused login, a failed query) is "unknown": the watch could not tell, and
 * an unknown is never counted as "not writable". A watch with too many unknowns proves nothing, so
 * stop() fails saying so. Redis is "writable" as a master (INFO replication role:master): a replica
 * refuses writes; a master fenced another way (CLIENT PAUSE WRITE, an ACL) still counts as writable,
 * so such a fence shows here as two writers, never as none.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import { createClient } from 'redis';
import type { ClientEvidence, SiteRole } from '../../domain';

const SITES: SiteRole[] = ['primary', 'secondary'];

/** One replicated pair: its name in the evidence, what it is, where each side listens, who asks. */
export interface WatchedPair {
  name: string;
  kind: 'mariadb' | 'postgres' | 'redis';
  ports: Record<SiteRole, number>;
  /** MariaDB/PostgreSQL: the drill's monitoring user (default drill); Redis: the default user. */
  user?: string;
  passwordFile: string;
}

/** The sampling interval: about ten answers a second per node, without crowding a 2-core machine. */
export const WATCH_INTERVAL_MS = 100;

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
  /** Rounds of samples (each asks every node at once). */
  samples: number;
  /** "<ISO time> <pair>" for every round in which both sides of a pair took writes. */
  bothWritable: string[];
  /** Per pair name. */
  sawWritable: Record<string, Record<SiteRole, boolean>>;
  nodes: Record<string, Record<SiteRole, NodeWatch>>;
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

export function watchWriters(pairs: readonly WatchedPair[]): WriterWatch {
  const password = (pair: WatchedPair) => readFileSync(pair.passwordFile, 'utf8').trim();
  const mariadbSample = async (pair: WatchedPair, site: SiteRole): Promise<Answer> => {
    let c: mysql.Connection;
    try {
      c = await mysql.createConnection({
        host: '127.0.0.1',
        port: pair.ports[site],
        user: pair.user ?? 'drill',
        password: password(pair),
        connectTimeout: 1000,
      });
    } catch (error) {
      return isRefused(error) ? { kind: 'down' } : { kind: 'unknown', why: why(error) };
    }
    // A server dying under the sample ends that sample only, never the process.
    c.on('error', () => undefined);
    try {
      const [rows] = await c.query('SELECT @@global.read_only AS ro');
      return Number((rows as { ro: number }[])[0].ro) === 0 ? { kind: 'writable' } : { kind: 'not writable' };
    } catch (error) {
      return { kind: 'unknown', why: why(error) };
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const postgresSample = async (pair: WatchedPair, site: SiteRole): Promise<Answer> => {
    const c = new PgClient({
      host: '127.0.0.1',
      port: pair.ports[site],
      user: pair.user ?? 'drill',
      password: password(pair),
      database: 'postgres',
      connectionTimeoutMillis: 1000,
    });
    // A server dying under the sample (a site loss, its very purpose) is that sample's answer, never
    // the process's end: pg emits 'error' on the client when its connection drops.
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (error) {
      await c.end().catch(() => undefined);
      return isRefused(error) || (error as { code?: string }).code === '57P03'
        ? { kind: 'down' }
        : { kind: 'unknown', why: why(error) };
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

  const redisSample = async (pair: WatchedPair, site: SiteRole): Promise<Answer> => {
    const c = createClient({
      socket: { host: '127.0.0.1', port: pair.ports[site], connectTimeout: 1000, reconnectStrategy: false },
      password: password(pair),
      disableOfflineQueue: true,
    });
    // A server dying under the sample is that sample's answer, never the process's end.
    c.on('error', () => undefined);
    // connectTimeout covers the TCP connect only: a server that accepts and never answers AUTH would hold the sample.
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<Answer>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'unknown', why: 'no answer within 1 s' }), 1000);
    });
    const ask = async (): Promise<Answer> => {
      try {
        await c.connect();
      } catch (error) {
        return isRefused(error) ? { kind: 'down' } : { kind: 'unknown', why: why(error) };
      }
      try {
        const info = await c.info('replication');
        const role = /^role:(\w+)/m.exec(info)?.[1];
        if (role === 'master') return { kind: 'writable' };
        return role === 'slave' ? { kind: 'not writable' } : { kind: 'unknown', why: `role ${role ?? 'missing'}` };
      } catch (error) {
        return { kind: 'unknown', why: why(error) };
      }
    };
    try {
      return await Promise.race([ask(), silence]);
    } finally {
      clearTimeout(timer);
      c.destroy();
    }
  };
  const SAMPLERS = { mariadb: mariadbSample, postgres: postgresSample, redis: redisSample };

  const fresh = (): NodeWatch => ({ samples: 0, unknown: 0, down: 0, longestUnknownMs: 0, unknownWhy: {} });
  const names = pairs.map((p) => p.name);
  const nodes: Watched['nodes'] = Object.fromEntries(names.map((n) => [n, { primary: fresh(), secondary: fresh() }]));
  const sawWritable: Watched['sawWritable'] = Object.fromEntries(
    names.map((n) => [n, { primary: false, secondary: false }]),
  );
  /** When each node's current stretch of unknown samples began. */
  const unknownSince: Partial<Record<string, number>> = {};
  const bothWritable: string[] = [];
  let samples = 0;

  const note = (server: string, site: SiteRole, answer: Answer, at: number): void => {
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
    for (const server of names) {
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
    // Bounded: a drill test's own timeout, and the site-loss demo's, are far shorter than this many samples.
    for (let i = 0; running && i < 40_000; i++) {
      const answers = await Promise.all(
        pairs.map((pair) => Promise.all(SITES.map((site) => SAMPLERS[pair.kind](pair, site)))),
      );
      const at = Date.now();
      samples += 1;
      pairs.forEach((pair, i) => {
        SITES.forEach((site, n) => note(pair.name, site, answers[i][n], at));
        if (answers[i].every((a) => a.kind === 'writable'))
          bothWritable.push(`${new Date(at).toISOString()} ${pair.name}`);
      });
      tellWaiters(at);
      await sleep(WATCH_INTERVAL_MS);
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
      for (const server of names) {
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

/** What the watch saw, as a site loss's evidence carries it: two-writer rounds, never guessed. */
export function writersEvidence(
  pairs: readonly WatchedPair[],
  watched: Watched,
): NonNullable<ClientEvidence['writers']> {
  const rounds = new Set(watched.bothWritable.map((line) => line.split(' ')[0]));
  return {
    pairs: pairs.map((p) => `${p.name} (${p.kind} ${p.ports.primary}/${p.ports.secondary})`),
    samples: watched.samples,
    twoWriterSamples: rounds.size,
    intervalMs: WATCH_INTERVAL_MS,
  };
}
