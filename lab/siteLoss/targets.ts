/**
 * Where the load client writes, per lab, and how the new side is asked afterwards for what it holds.
 * - The stand-in TIP app (ThreatConnect lab; a MISP node through HAProxy): POST /api/indicators,
 *   acknowledged by a 201 that names the site whose app stored it in its site's MariaDB.
 * - Redis (the OpenCTI lab's data path the platform writes to): SET, acknowledged by OK; a replica
 *   refuses it (READONLY), as it refuses the platform.
 * The TIPs cannot run here: these are the stand-ins (lab/standinApp.ts, lab/opencti/).
 */
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { createClient } from 'redis';

export interface WriteTarget {
  /** The site this endpoint is at (a load balancer in front of both: the site its answer names). */
  site: string;
  /** What it writes through, for the record. */
  endpoint: string;
  /** Writes `id`; resolves once the service acknowledged it, with the site that says it stored it, if it says. */
  write(id: string, signal: AbortSignal): Promise<string | undefined>;
  close(): Promise<void>;
}

/** The stand-in app's own indicator API (lab/standinApp.ts), as a client posting indicators does. */
export function indicatorTarget(site: string, baseUrl: string): WriteTarget {
  return {
    site,
    endpoint: baseUrl,
    async write(id, signal) {
      const response = await fetch(`${baseUrl}/api/indicators`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: id, type: 'host' }),
        signal,
      });
      const body = (await response.json().catch(() => ({}))) as { site?: string; error?: string };
      if (response.status !== 201) throw new Error(`HTTP ${response.status}${body.error ? ` ${body.error}` : ''}`);
      return body.site;
    },
    close: async () => undefined,
  };
}

export interface MariadbAt {
  port: number;
  /** A user that may read tip.* (the lab's drill user). */
  user: string;
  passwordFile: string;
}

/**
 * Which of `ids` (indicator values) the site's database holds: asked of the database itself, not
 * of its app, so the answer is what the new side holds whatever its app serves.
 */
export async function indicatorsHeld(at: MariadbAt, ids: readonly string[]): Promise<Set<string>> {
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: at.port,
    user: at.user,
    password: readFileSync(at.passwordFile, 'utf8').trim(),
    database: 'tip',
    connectTimeout: 3000,
  });
  // A server dying under the question fails the question, never the process.
  c.on('error', () => undefined);
  try {
    const held = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const [rows] = await c.query('SELECT value FROM indicators WHERE value IN (?)', [ids.slice(i, i + 500)]);
      for (const row of rows as { value: string }[]) held.add(row.value);
    }
    return held;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface RedisAt {
  host: string;
  port: number;
  passwordFile: string;
}

/** A key per write; one home for its name so the writer and the question afterwards agree. */
export const redisKey = (id: string): string => `drillbook:site-loss:${id}`;

/** Connects without retrying: a dead server is an error now, not a queued command later. */
async function connectRedis(at: RedisAt) {
  const client = createClient({
    socket: { host: at.host, port: at.port, connectTimeout: 1000, reconnectStrategy: false },
    password: readFileSync(at.passwordFile, 'utf8').trim(),
    disableOfflineQueue: true,
  });
  // A server dying under the client must not take the process down: the write fails, the next reconnects.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export function redisTarget(site: string, at: RedisAt): WriteTarget {
  let client: Awaited<ReturnType<typeof connectRedis>> | undefined;
  const drop = () => {
    client?.destroy();
    client = undefined;
  };
  return {
    site,
    endpoint: `redis://${at.host}:${at.port}`,
    async write(id, signal) {
      try {
        client ??= await connectRedis(at);
        if (signal.aborted) throw new Error('timed out');
        const reply = await Promise.race([
          client.set(redisKey(id), String(Date.now())),
          new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true }),
          ),
        ]);
        if (reply !== 'OK') throw new Error(`SET answered ${String(reply)}`);
        return site;
      } catch (error) {
        drop();
        throw error;
      }
    },
    close: async () => drop(),
  };
}

/** Which of `ids` the Redis at `at` holds. */
export async function redisHeld(at: RedisAt, ids: readonly string[]): Promise<Set<string>> {
  const client = await connectRedis(at);
  try {
    const held = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const values = await client.mGet(chunk.map(redisKey));
      values.forEach((value, n) => value !== null && held.add(chunk[n]));
    }
    return held;
  } finally {
    client.destroy();
  }
}
