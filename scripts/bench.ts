/**
 * `npm run bench [-- --json]`: what Drillbook itself costs, measured the way the goals are stated.
 * - singleDrill: orchestration overhead per step of one drill alone, from its history's timestamps
 *   (the next step's activity start minus the previous one's completion), not by polling.
 * - singleDrillChecks: the same with the steps marked readOnly (short checks that change nothing),
 *   which drills run as local activities: gaps between the start and end each outcome measured.
 * - throughput: several drills of no-op steps at once: steps per second.
 * - parallel: RTO of the lab's failover shape run with parallel blocks and in sequence, on step
 *   stand-ins that sleep the lab's measured action times.
 * - prechecks: 100 and 500 targets prechecked at once on one worker: steps/s and worker RSS.
 * - resume: after a worker process is SIGKILLed, how long until a new worker has the drill live
 *   again with no activity in flight, and which server timeout handed the drill over (none: the sticky
 *   queue's 2 s; START_TO_CLOSE: a workflow task the dead worker held); and, on the lab plans' retry
 *   and heartbeat settings, how long until a step whose worker died runs again on the other worker
 *   (median of 7 kills).
 * `--server devserver,cluster` runs the parts on each engine in turn and prints `{ engines: [...] }`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { connect, connectWorker } from '../src/temporal/connect';
import type { TemporalSettings } from '../store/config';
import { ENGINES, startEngine, type BenchEngine } from './bench/engines';
import { exitOnFailure, oneOf, parseCommandLine } from '../src/commandLine';
import { UsageError } from '../src/commands/errors';
import { approve, completeTask, drillStatus, drillView, startDrill } from '../src/drills';
import { PROJECT_ROOT } from '../store/config';
import { runPrecheck } from '../src/prechecks';
import { createDrillWorker, promoteIfNewer, workerVersion } from '../src/worker';
import { compileDrill } from '../workflows/runbook';
import { overheadFromHistory, percentile } from './bench/history';
import { busyPlan, labPlanSettings, labShapedPlan, noopPlan, precheckPlan } from './bench/plans';
import { type CompiledDrill, type DrillMode, type DrillRecord, FINAL_STATUSES, type Plan } from '../domain';

const PARTS = ['singleDrill', 'singleDrillChecks', 'throughput', 'parallel', 'prechecks', 'resume'] as const;
/**
 * `--server devserver,cluster`: the same parts on each engine in turn, in one run (scripts/bench/engines.ts).
 * `--server stock`: the dev server without Drillbook's dynamic config and SQLite pragmas (to measure
 * what they buy); `--server no-eager`: without eager activity dispatch only; `--server no-wal`: without
 * the pragmas only. Default: the dev server as drills run it.
 */

/** bench's flags: a part, server mode or count it does not know is refused (exit 2) before a server starts. */
function commandLine() {
  const { values } = parseCommandLine({
    program: 'bench',
    usage: `npm run bench -- [--json] [--only ${PARTS.join(',')}] [--server ${ENGINES.join(',')}] [--drills N] [--steps N]`,
    options: {
      json: { type: 'boolean' },
      only: { type: 'string' },
      server: { type: 'string' },
      drills: { type: 'string' },
      steps: { type: 'string' },
    },
  });
  const count = (name: 'drills' | 'steps', fallback: number): number => {
    const text = values[name];
    if (text === undefined) return fallback;
    if (!/^[1-9]\d*$/.test(text))
      throw new UsageError(`bench: --${name} must be a whole number above 0, got "${text}"`);
    return Number(text);
  };
  return {
    json: values.json ?? false,
    /** `--only singleDrill,throughput`: run just those parts (all when absent). */
    only:
      values.only === undefined
        ? undefined
        : new Set(values.only.split(',').map((part) => oneOf('bench', part, 'only', PARTS))),
    engines: (values.server ?? 'drill').split(',').map((name) => oneOf('bench', name, 'server', ENGINES)),
    drills: count('drills', 5),
    steps: count('steps', 40),
  };
}

/** Answers gates (alice approves, oncall completes tasks) until the drill ends; bounded by time. */
async function drive(client: Client, id: string, limitMs = 10 * 60_000): Promise<DrillRecord> {
  const deadline = Date.now() + limitMs;
  let answered = '';
  while (Date.now() < deadline) {
    const record = await drillStatus(client, id);
    if (FINAL_STATUSES.includes(record.status)) return record;
    const pending = record.pending;
    if (pending && answered !== `${pending.id}@${pending.since}`) {
      answered = `${pending.id}@${pending.since}`;
      if (pending.kind === 'approval') await approve(client, id, { by: 'alice', gate: pending.id });
      if (pending.kind === 'task') await completeTask(client, id, { by: 'oncall', taskId: pending.id });
    }
    await sleep(50);
  }
  throw new Error(`${id} did not finish`);
}

/** The same runbook with its parallel blocks taken out: every step in sequence. */
function sequential(plan: Plan, mode: DrillMode): CompiledDrill {
  const compiled = compileDrill(plan, mode);
  for (const phase of compiled.runbook.phases) for (const step of phase.steps) delete step.block;
  return compiled;
}

async function inProcessWorker(
  settings: TemporalSettings,
  client: Client,
  taskQueue: string,
  compile?: typeof sequential,
): Promise<{ worker: Worker; stop(): Promise<void> }> {
  const connection = await connectWorker(settings);
  const version = workerVersion({ ...process.env, DRILLBOOK_DEPLOYMENT: taskQueue });
  const worker = await createDrillWorker({
    connection,
    namespace: settings.namespace,
    taskQueue,
    version,
    deps: compile ? { compile } : {},
  });
  const running = worker.run();
  await promoteIfNewer(client, version, true, 'bench');
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

function workerProcess(engineEnv: Record<string, string>, taskQueue: string, logDir: string): ChildProcess {
  return spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js'), 'worker'], {
    env: {
      ...process.env,
      ...engineEnv,
      DRILLBOOK_TASK_QUEUE: taskQueue,
      DRILLBOOK_DEPLOYMENT: taskQueue,
      DRILLBOOK_RUN_DIR: path.join(logDir, 'run'),
    },
    stdio: 'ignore',
  });
}

/** One drill of 40 no-op steps alone; `readOnly`: marked as checks that change nothing (run as local activities). */
async function singleDrill(
  client: Client,
  readOnly = false,
): Promise<{ steps: number; overheadMsPerStep: { p50: number; p95: number } }> {
  const target = readOnly ? 'bench-single-checks' : 'bench-single';
  const handle = await startDrill(client, 'bench', {
    target,
    mode: 'failover',
    requestedBy: 'bench',
    planYaml: noopPlan(target, 40, { readOnly }),
  });
  await drive(client, handle.workflowId);
  const gaps = await overheadFromHistory(client, handle.workflowId);
  return { steps: gaps.length + 1, overheadMsPerStep: { p50: percentile(gaps, 50), p95: percentile(gaps, 95) } };
}

async function throughput(client: Client, drills: number, steps: number) {
  const started = Date.now();
  const handles = await Promise.all(
    Array.from({ length: drills }, (_, i) =>
      startDrill(client, 'bench', {
        target: `bench-${i}`,
        mode: 'failover',
        requestedBy: 'bench',
        planYaml: noopPlan(`bench-${i}`, steps),
      }),
    ),
  );
  const records = await Promise.all(handles.map((h) => drive(client, h.workflowId)));
  const wallMs = Date.now() - started;
  const ran = records.reduce((n, r) => n + r.steps.filter((s) => s.status === 'succeeded').length, 0);
  const gaps = (await Promise.all(handles.map((h) => overheadFromHistory(client, h.workflowId)))).flat();
  return {
    drills,
    stepsPerDrill: steps,
    stepsPerSecond: +(ran / (wallMs / 1000)).toFixed(1),
    overheadMsPerStep: { p50: percentile(gaps, 50), p95: percentile(gaps, 95) },
  };
}

async function parallel(client: Client) {
  const rtoOf = async (queue: string, target: string): Promise<number> => {
    const handle = await startDrill(client, queue, {
      target,
      mode: 'failover',
      requestedBy: 'bench',
      planYaml: labShapedPlan(target),
    });
    const record = await drive(client, handle.workflowId);
    if (record.rto?.measuredMs === undefined)
      throw new Error(`${target}: no RTO measured (${record.status}: ${record.outcome})`);
    return record.rto.measuredMs;
  };
  const rtoSequentialMs = await rtoOf('bench-seq', 'bench-lab-seq');
  const rtoParallelMs = await rtoOf('bench', 'bench-lab-par');
  return {
    source: "step stand-ins sleeping the lab's measured action times (plans/lab.yaml's shape)",
    rtoSequentialMs,
    rtoParallelMs,
    ratio: +(rtoParallelMs / rtoSequentialMs).toFixed(2),
  };
}

async function prechecks(client: Client, n: number) {
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      runPrecheck(client, 'bench', { target: `pre-${n}-${i}`, planYaml: precheckPlan(`pre-${n}-${i}`) }),
    ),
  );
  const wallMs = Date.now() - started;
  const checks = results.reduce((sum, r) => sum + r.checks, 0);
  return {
    n,
    ready: results.filter((r) => r.ready).length,
    checks,
    wallSeconds: +(wallMs / 1000).toFixed(1),
    stepsPerSecond: +(checks / (wallMs / 1000)).toFixed(1),
    workerRssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

const millis = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : undefined;

/** Kills of a worker inside a step: enough for a median. */
const RESUME_ROUNDS = 7;

async function resume(client: Client, engineEnv: Record<string, string>, dir: string) {
  const queue = 'bench-resume';
  const live = async (id: string, limitMs: number): Promise<void> => {
    const deadline = Date.now() + limitMs;
    while (Date.now() < deadline) if ((await drillView(client, id).catch(() => undefined))?.live) return;
    throw new Error(`${id} was not live again within ${limitMs} ms`);
  };
  let worker = workerProcess(engineEnv, queue, dir);
  // No activity in flight: the drill waits at its failover gate when its worker dies.
  const idle = await startDrill(client, queue, {
    target: 'bench-resume-idle',
    mode: 'failover',
    requestedBy: 'bench',
    planYaml: noopPlan('bench-resume-idle', 2),
  });
  for (
    let i = 0;
    i < 600 && (await drillStatus(client, idle.workflowId).catch(() => undefined))?.pending?.kind !== 'approval';
    i++
  )
    await sleep(100);
  worker.kill('SIGKILL');
  let killedAt = Date.now();
  worker = workerProcess(engineEnv, queue, dir);
  await live(idle.workflowId, 60_000);
  const withoutActivityMs = Date.now() - killedAt;
  // Which of the server's timeouts handed the drill over: the sticky queue's schedule-to-start (2 s),
  // or a workflow task the dead worker had started (its start-to-close timeout).
  const handedOverBy = ((await client.workflow.getHandle(idle.workflowId).fetchHistory()).events ?? []).flatMap((e) => {
    const type = e.workflowTaskTimedOutEventAttributes?.timeoutType;
    return type === undefined || type === null ? [] : [String(temporal.api.enums.v1.TimeoutType[type] ?? type)];
  });
  await drive(client, idle.workflowId);

  // An activity in flight, on the lab plans' settings (their retry and heartbeat timeout): a long
  // command step (runCommand, as the labs' steps are) whose worker is SIGKILLed a random moment into
  // it, several times; from the kill to the step started again on another worker. Two workers serve
  // the queue, as a deployment runs them (deploy/: two replicas), so what is measured is the hand-over,
  // not a new process starting; the killed one is replaced for the next round.
  const standby = [workerProcess(engineEnv, queue, dir)];
  const settings = await labPlanSettings();
  const samples: number[] = [];
  const attempts: number[] = [];
  // Both workers polling for activities before a round: a kill measures the hand-over, not a start.
  const polling = async (pids: (number | undefined)[]): Promise<void> => {
    for (let i = 0; i < 1200; i++) {
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: queue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      const seen = new Set((pollers ?? []).map((p) => Number(p.identity?.split('@')[0])));
      if (pids.every((pid) => pid !== undefined && seen.has(pid))) return;
      await sleep(100);
    }
    throw new Error(`workers ${pids.join(', ')} did not poll ${queue} within 2 minutes`);
  };
  for (let round = 0; round < RESUME_ROUNDS; round++) {
    await polling([worker.pid, standby[0].pid]);
    const target = `bench-resume-busy-${round}`;
    const busy = await startDrill(client, queue, {
      target,
      mode: 'failover',
      requestedBy: 'bench',
      planYaml: busyPlan(target, settings.defaults),
    });
    const running = async () =>
      (await client.workflow.getHandle(busy.workflowId).describe()).raw.pendingActivities?.find(
        (a) => a.activityType?.name === 'runCommand',
      );
    for (let i = 0; i < 600 && (await running()) === undefined; i++) {
      const record = await drillStatus(client, busy.workflowId).catch(() => undefined);
      if (record?.pending?.kind === 'approval')
        await approve(client, busy.workflowId, { by: 'alice', gate: record.pending.id }).catch(() => undefined);
      await sleep(100);
    }
    // A random moment between two heartbeats, as a crash would fall.
    await sleep(500 + Math.random() * 1500);
    // The worker running the step: its identity is `<pid>@<host>`.
    const pid = Number((await running())?.lastWorkerIdentity?.split('@')[0]);
    const victim = [worker, ...standby].find((w) => w.pid === pid);
    if (!victim) throw new Error(`the step runs on ${pid}, none of the bench's workers`);
    victim.kill('SIGKILL');
    killedAt = Date.now();
    if (victim === worker) worker = workerProcess(engineEnv, queue, dir);
    else standby[0] = workerProcess(engineEnv, queue, dir);
    let again: Awaited<ReturnType<typeof running>>;
    for (let i = 0; i < 600 && !((again?.attempt ?? 0) >= 2 && again?.lastStartedTime); i++) {
      again = await running();
      await sleep(50);
    }
    const startedAt = millis(again?.lastStartedTime);
    if ((again?.attempt ?? 0) >= 2 && startedAt !== undefined) {
      samples.push(startedAt - killedAt);
      // Above 2: an attempt ended before the kill too (a beat late on a busy machine), or after it.
      attempts.push(again?.attempt ?? 0);
    }
    await client.workflow.getHandle(busy.workflowId).terminate('bench: resume measured');
  }
  worker.kill('SIGTERM');
  for (const spare of standby) spare.kill('SIGTERM');
  return {
    withoutActivityMs,
    handedOverBy,
    withActivity: {
      settings: `${settings.file}: heartbeatTimeout ${settings.defaults.heartbeatTimeout} ms, retry initialInterval ${settings.defaults.retry.initialInterval} ms`,
      medianMs: samples.length ? percentile(samples, 50) : null,
      maxMs: samples.length ? Math.max(...samples) : null,
      samplesMs: samples,
      attempts,
      missed: RESUME_ROUNDS - samples.length,
    },
    note: 'without activity: from the SIGKILL to a live status, a new worker process starting meanwhile (~1-2 s, more on a busy machine); with activity: from the SIGKILL to the step started again on the other worker',
  };
}

/** Every wanted part on one engine: its own workers and client, closed afterwards. */
async function benchOn(
  engine: BenchEngine,
  dir: string,
  options: {
    wanted: (part: (typeof PARTS)[number]) => boolean;
    say: (line: string) => void;
    drills: number;
    steps: number;
  },
): Promise<Record<string, unknown>> {
  const { wanted, say, drills, steps } = options;
  const connection = await connect(engine.settings);
  const client = new Client({ connection, namespace: engine.settings.namespace });
  const workers = [
    await inProcessWorker(engine.settings, client, 'bench'),
    await inProcessWorker(engine.settings, client, 'bench-seq', sequential),
  ];
  try {
    // Warm-up: the first workflow task loads the bundle into the isolate.
    await drive(
      client,
      (
        await startDrill(client, 'bench', {
          target: 'bench-warmup',
          mode: 'failover',
          requestedBy: 'bench',
          planYaml: noopPlan('bench-warmup', 2),
        })
      ).workflowId,
    );
    const result: Record<string, unknown> = { server: engine.name };
    if (wanted('singleDrill')) {
      result.singleDrill = await singleDrill(client);
      say(
        `single drill: overhead per step p50 ${(result.singleDrill as { overheadMsPerStep: { p50: number } }).overheadMsPerStep.p50} ms`,
      );
    }
    if (wanted('singleDrillChecks')) {
      result.singleDrillChecks = await singleDrill(client, true);
      say(
        `single drill of read-only checks (local activities): overhead per step p50 ${(result.singleDrillChecks as { overheadMsPerStep: { p50: number } }).overheadMsPerStep.p50} ms`,
      );
    }
    if (wanted('throughput')) {
      result.throughput = await throughput(client, drills, steps);
      say(`throughput: ${JSON.stringify(result.throughput)}`);
    }
    if (wanted('parallel')) {
      result.parallel = await parallel(client);
      say(`parallel: ${JSON.stringify(result.parallel)}`);
    }
    if (wanted('prechecks')) {
      result.prechecks = [await prechecks(client, 100), await prechecks(client, 500)];
      say(`prechecks: ${JSON.stringify(result.prechecks)}`);
    }
    if (wanted('resume')) {
      result.resume = await resume(client, engine.env, dir);
      say(`resume: ${JSON.stringify(result.resume)}`);
    }
    return result;
  } finally {
    for (const worker of workers) await worker.stop();
    await connection.close();
  }
}

async function main(): Promise<void> {
  const { json, only, engines, drills, steps } = commandLine();
  const wanted = (part: (typeof PARTS)[number]): boolean => !only || only.has(part);
  const say = (line: string): void => {
    if (!json) console.log(line);
  };
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-'));
  // DRILLBOOK_BENCH_PORT: where a shared machine lets the bench's servers listen (the cluster takes a
  // band of ports from DRILLBOOK_BENCH_PORT + 10 up).
  const port = Number(process.env.DRILLBOOK_BENCH_PORT) || 17000 + Math.floor(Math.random() * 1000);
  const results: Record<string, unknown>[] = [];
  for (const name of engines) {
    say(`engine ${name}`);
    const engine = await startEngine(name, dir, name === 'cluster' ? port + 10 : port);
    try {
      results.push(await benchOn(engine, dir, { wanted, say, drills, steps }));
    } finally {
      await engine.stop();
    }
  }
  const printed = results.length === 1 ? results[0] : { engines: results };
  console.log(JSON.stringify(printed, null, json ? 0 : 2));
}

void main().catch(exitOnFailure('bench failed'));
