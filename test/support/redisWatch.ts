/**
 * Watches both Redis nodes of the OpenCTI lab every ~100 ms by writing to each (`SET … PX`), so a
 * node that would take an application's write is seen taking one: two nodes that both accept a
 * write in the same round are two writers. The same three answers as test/support/writerWatch.ts
 * (the data lab's MariaDB and PostgreSQL pairs): "writable", "not writable" (READONLY, NOREPLICAS:
 * the server itself refused), "down" (connection refused: nothing listens) and anything else
 * "unknown", which is never counted as not writable.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import type { SiteRole } from '../../domain';

type Answer = 'writable' | 'not writable' | 'down' | 'unknown';

export interface RedisWatched {
  samples: number;
  /** Rounds in which both nodes took the write: must stay empty. */
  bothWritable: string[];
  answers: Record<SiteRole, Record<Answer, number>>;
  /** Moments at which the primary's node was seen writable, newest last (kept short). */
  primaryWritableAt: number[];
}

export interface RedisWatch {
  /** Resolves after the first round that leaves `seen` true. */
  until(seen: (w: RedisWatched) => boolean, timeoutMs: number): Promise<RedisWatched>;
  stop(): Promise<RedisWatched>;
}

export function watchRedisWriters(ports: Record<SiteRole, number>, password: string): RedisWatch {
  const sample = async (site: SiteRole): Promise<Answer> => {
    const client = createClient({
      socket: { host: '127.0.0.1', port: ports[site], connectTimeout: 1000, reconnectStrategy: false },
      password,
      disableOfflineQueue: true,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      return /ECONNREFUSED/.test(String((error as { code?: string }).code ?? (error as Error).message))
        ? 'down'
        : 'unknown';
    }
    try {
      await client.sendCommand(['SET', `drillbook:watch:${site}`, String(Date.now()), 'PX', '5000']);
      return 'writable';
    } catch (error) {
      return /^(READONLY|NOREPLICAS)/.test((error as Error).message) ? 'not writable' : 'unknown';
    } finally {
      client.destroy();
    }
  };
  const fresh = (): Record<Answer, number> => ({ writable: 0, 'not writable': 0, down: 0, unknown: 0 });
  const watched: RedisWatched = {
    samples: 0,
    bothWritable: [],
    answers: { primary: fresh(), secondary: fresh() },
    primaryWritableAt: [],
  };
  const waiters: { seen: (w: RedisWatched) => boolean; resolve: (w: RedisWatched) => void }[] = [];
  let running = true;
  const loop = (async () => {
    // Bounded: far more rounds than the test's own timeout allows.
    for (let i = 0; running && i < 30_000; i++) {
      const [p, s] = await Promise.all([sample('primary'), sample('secondary')]);
      const at = Date.now();
      watched.samples += 1;
      watched.answers.primary[p] += 1;
      watched.answers.secondary[s] += 1;
      if (p === 'writable') watched.primaryWritableAt = [...watched.primaryWritableAt.slice(-9), at];
      if (p === 'writable' && s === 'writable') watched.bothWritable.push(new Date(at).toISOString());
      for (const w of waiters.filter((x) => x.seen(watched))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(structuredClone(watched));
      }
      // The sampling interval: about ten answers a second per node.
      await sleep(100);
    }
  })();
  return {
    until: (seen, timeoutMs) =>
      new Promise<RedisWatched>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the Redis watch did not see what was awaited within ${timeoutMs / 1000}s`)),
          timeoutMs,
        );
        waiters.push({
          seen,
          resolve: (w) => {
            clearTimeout(timer);
            resolve(w);
          },
        });
      }),
    async stop() {
      running = false;
      await loop;
      return structuredClone(watched);
    },
  };
}
