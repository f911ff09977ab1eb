/**
 * The site-loss load client: a write every 100 ms through the serving endpoint, each logged
 * (writeLog.ts) with whether and where the service acknowledged it. With two endpoints it tries
 * the primary's first and, when that fails, the secondary's: what a client behind DNS sees once DNS
 * has moved, without waiting for a TTL (so the downtime it measures is the service's, not DNS's).
 * Behind one load balancer (MISP's HAProxy) there is one endpoint and the answer names the site.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { appendWrite, type WriteRecord } from './writeLog';
import type { WriteTarget } from './targets';

export interface LoadClientOptions {
  /** In the order tried. */
  targets: WriteTarget[];
  logFile: string;
  /** Unique per run: every write's id starts with it. */
  runId: string;
  intervalMs?: number;
  /** One attempt's limit (a hung server is a failed write, not a stalled client). */
  attemptTimeoutMs?: number;
  /** A bound on the run, whatever happens: at 100 ms, 36 000 writes is an hour. */
  maxWrites?: number;
}

export interface LoadClient {
  /** What it writes through, for the record. */
  describe: string;
  /** Every write so far. */
  writes(): readonly WriteRecord[];
  /** Resolves at the first write for which `seen` holds; fails when the client stops first. */
  until(seen: (write: WriteRecord) => boolean, timeoutMs: number): Promise<WriteRecord>;
  stop(): Promise<WriteRecord[]>;
}

export const WRITE_INTERVAL_MS = 100;

export function startLoadClient(options: LoadClientOptions): LoadClient {
  const interval = options.intervalMs ?? WRITE_INTERVAL_MS;
  const attemptTimeout = options.attemptTimeoutMs ?? 1000;
  const maxWrites = options.maxWrites ?? 36_000;
  const records: WriteRecord[] = [];
  const waiters: {
    seen: (w: WriteRecord) => boolean;
    resolve: (w: WriteRecord) => void;
    reject: (e: Error) => void;
  }[] = [];
  let running = true;

  const once = async (seq: number): Promise<WriteRecord> => {
    const id = `${options.runId}-${seq}`;
    const sentAt = Date.now();
    const errors: string[] = [];
    for (const target of options.targets) {
      try {
        const said = await target.write(id, AbortSignal.timeout(attemptTimeout));
        return { seq, id, sentAt, ackedAt: Date.now(), site: said ?? target.site, ok: true };
      } catch (error) {
        const e = error as { code?: string; cause?: { code?: string }; message?: string };
        errors.push(`${target.site}: ${e.cause?.code ?? e.code ?? e.message ?? String(error)}`);
      }
    }
    return { seq, id, sentAt, site: options.targets.at(-1)?.site, ok: false, error: errors.join('; ') };
  };

  const loop = (async () => {
    for (let seq = 1; running && seq <= maxWrites; seq++) {
      const record = await once(seq);
      records.push(record);
      appendWrite(options.logFile, record);
      for (const waiter of waiters.filter((w) => w.seen(record))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(record);
      }
      // The cadence: one write every interval from the last one's start, never two at once.
      await sleep(Math.max(0, record.sentAt + interval - Date.now()));
    }
    for (const waiter of waiters.splice(0))
      waiter.reject(new Error(`the load client stopped after ${records.length} writes`));
  })();

  return {
    describe: options.targets.map((t) => t.endpoint).join(' then '),
    writes: () => records,
    until(seen, timeoutMs) {
      const already = records.find(seen);
      if (already) return Promise.resolve(already);
      return new Promise<WriteRecord>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(
            waiters.findIndex((w) => w.resolve === done),
            1,
          );
          reject(new Error(`no such write within ${timeoutMs} ms (${records.length} written)`));
        }, timeoutMs);
        const done = (w: WriteRecord) => {
          clearTimeout(timer);
          resolve(w);
        };
        waiters.push({
          seen,
          resolve: done,
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    async stop() {
      running = false;
      await loop;
      await Promise.all(options.targets.map((t) => t.close().catch(() => undefined)));
      return records;
    },
  };
}
