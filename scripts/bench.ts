/**
 * `npm run bench`: what Drillbook itself costs. Runs drills made of no-op steps on a local dev
 * server and reports per-step orchestration overhead (wall time minus time inside the activity),
 * step throughput with several drills at once, and the worker's memory.
 * Options: --steps N (per drill, default 40), --drills N (concurrent, default 5).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { stringify } from 'yaml';
import { stepTimings } from '../src/demo/timings';
import { approve, drillStatus, startDrill } from '../src/drills';
import { startDevServer } from '../src/temporal/server';
import { createDrillWorker, promoteIfNewer, workerVersion } from '../src/worker';
import { type DrillRecord, FINAL_STATUSES } from '../domain';

const arg = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};

function benchPlan(target: string, steps: number): string {
  return stringify({
    target,
    platform: 'generic',
    sites: { primary: { name: 'a' }, secondary: { name: 'b' } },
    approvals: { approvers: ['alice', 'bob'], quorum: 1, reminderAfter: '1h', timeout: '2h' },
    components: { noop: { kind: 'service', primary: { health: { command: ['true'] } }, secondary: { health: { command: ['true'] } } } },
    steps: Array.from({ length: steps }, (_, i) => ({ id: `noop-${i}`, phase: 'failover-check', segment: 'verify', title: `No-op ${i}`, command: ['true'] })),
  });
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** Answers gates as alice until the drill ends; bounded by time. */
async function drive(client: Client, id: string): Promise<DrillRecord> {
  const deadline = Date.now() + 10 * 60_000;
  let answered = '';
  while (Date.now() < deadline) {
    const record = await drillStatus(client, id);
    if (FINAL_STATUSES.includes(record.status)) return record;
    if (record.pending?.kind === 'approval' && answered !== record.pending.id) {
      answered = record.pending.id;
      await approve(client, id, { by: 'alice', gate: record.pending.id });
    }
    await sleep(100);
  }
  throw new Error(`${id} did not finish`);
}

async function main(): Promise<void> {
  const stepsPerDrill = arg('steps', 40);
  const drills = arg('drills', 5);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-'));
  const port = 17000 + Math.floor(Math.random() * 1000);
  const server = await startDevServer({ port, headless: true, dbFile: path.join(dir, 'temporal.db'), logFile: path.join(dir, 'temporal.log') });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const version = workerVersion();
  const worker = await createDrillWorker({ connection: workerConnection, namespace: 'default', taskQueue: 'bench', version });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  await promoteIfNewer(client, version, true, 'bench');
  const rssBefore = process.memoryUsage().rss;
  try {
    // Warm-up: the first workflow task loads the bundle into the isolate.
    const warm = await startDrill(client, 'bench', { target: 'bench-warmup', mode: 'failover', requestedBy: 'bench', planYaml: benchPlan('bench-warmup', 2) });
    await drive(client, warm.workflowId);

    const started = Date.now();
    const records = await Promise.all(
      Array.from({ length: drills }, async (_, i) => {
        const target = `bench-${i}`;
        const handle = await startDrill(client, 'bench', { target, mode: 'failover', requestedBy: 'bench', planYaml: benchPlan(target, stepsPerDrill) });
        return drive(client, handle.workflowId);
      }),
    );
    const wallMs = Date.now() - started;
    const timings = records.flatMap((r) => stepTimings(r));
    const overhead = timings.map((t) => t.overheadMs);
    const inside = timings.map((t) => t.activityMs);
    const result = {
      drills,
      stepsPerDrill,
      stepsRun: timings.length,
      allSucceeded: records.every((r) => r.status === 'succeeded'),
      wallSeconds: +(wallMs / 1000).toFixed(2),
      stepsPerSecond: +(timings.length / (wallMs / 1000)).toFixed(1),
      overheadMsPerStep: { p50: percentile(overhead, 50), p95: percentile(overhead, 95), max: percentile(overhead, 100) },
      activityMsPerStep: { p50: percentile(inside, 50), p95: percentile(inside, 95) },
      workerProcessRssMiB: { before: Math.round(rssBefore / 2 ** 20), after: Math.round(process.memoryUsage().rss / 2 ** 20) },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    worker.shutdown();
    await running;
    await workerConnection.close();
    await connection.close();
    await server.stop();
  }
}

void main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
