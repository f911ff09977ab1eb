/**
 * `npm run demo`: a full drill of a local lab on an embedded Temporal dev server (or, with `--engine
 * cluster`, on the project's Temporal cluster: src/temporal/cluster.ts), with two demo approvers
 * answering every gate. Exits 0 only if the drill succeeded and the secondary answered
 * its health check while the primary was down.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { exitOnFailure, oneOf, parseCommandLine, portOption } from '../../src/commandLine';
import { PROJECT_ROOT, dataDir, temporalSettings } from '../../store/config';
import { approve, completeTask, decide, drillStatus, startDrill } from '../../src/drills';
import { exitWhenFlushed } from '../../store/exit';
import { loadPlanFile } from '../../plan/load';
import { renderRecord } from '../../render/record';
import { attemptsLine } from './attempts';
import { isPortOpen, startDevServer, type DevServer } from '../../src/temporal/server';
import { startCluster, type Cluster } from '../../src/temporal/cluster';
import { connect, connectWorker } from '../../src/temporal/connect';
import { createDrillWorker, promoteIfNewer, workerVersion } from '../../src/worker';
import { prepareDemoLab, setAppTier, stopDemoLab, type DemoLab } from './lab';
import { prepareMispLab, stopMispLab } from './mispLab';
import { LabUnavailable, prepareOpenctiLab, stopOpenctiLab } from './openctiLab';
import { printTimings } from './timings';
import { protectionLine, recoveryLines } from './tipSummary';
import { requestUrl } from '../../activities/http';
import { type DrillRecord, FINAL_STATUSES, type HttpDriver, type PendingAction, type Plan } from '../../domain';

const REQUESTER = 'oncall';
const APPROVERS = ['alice', 'bob'];

interface DemoOptions {
  /** A plan to drill instead of the lab (plans/lab.yaml, or plans/example-lab.yaml when the lab cannot run). */
  planFile?: string;
  /** Whose lab: threatconnect (plans/lab.yaml), opencti (plans/opencti-lab.yaml) or misp (plans/misp-lab.yaml). */
  platform: (typeof PLATFORMS)[number];
  port: number;
  /** The Web UI's port; the Temporal port + 1000 by default. */
  uiPort?: number;
  keep: boolean;
  /** The dev server (one process, SQLite) or the cluster (PostgreSQL, a process per service, mTLS). */
  engine: (typeof ENGINES)[number];
}

const ENGINES = ['devserver', 'cluster'] as const;
const PLATFORMS = ['threatconnect', 'opencti', 'misp'] as const;
const USAGE =
  'npm run demo -- [--platform threatconnect|opencti|misp] [--engine devserver|cluster] [--plan FILE] [--port N] [--ui-port N] [--keep]';

function options(): DemoOptions {
  const { values } = parseCommandLine({
    program: 'demo',
    usage: USAGE,
    options: {
      plan: { type: 'string' },
      platform: { type: 'string' },
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      keep: { type: 'boolean' },
      engine: { type: 'string' },
    },
  });
  const uiPort = values['ui-port'];
  return {
    planFile: values.plan ?? process.env.DRILLBOOK_DEMO_PLAN,
    platform: oneOf('demo', values.platform ?? 'threatconnect', 'platform', PLATFORMS),
    port: portOption('demo', values.port, 'port', 7233),
    uiPort: uiPort === undefined ? undefined : portOption('demo', uiPort, 'ui-port', 0),
    keep: values.keep ?? false,
    engine: oneOf('demo', values.engine ?? 'devserver', 'engine', ENGINES),
  };
}

/** Probes a site's health check from outside the drill, its query's secrets resolved as the worker does: the demo's own evidence. */
async function answers(http: HttpDriver): Promise<boolean> {
  try {
    const { url } = await requestUrl(http, 'the demo probe');
    return (await fetch(url, { signal: AbortSignal.timeout(3000) })).ok;
  } catch {
    return false;
  }
}

function healthCheck(plan: Plan, site: 'primary' | 'secondary'): HttpDriver | undefined {
  for (const component of Object.values(plan.components)) {
    if (component.kind === 'service' && component.tier === 'app' && component[site].health?.http)
      return component[site].health?.http;
  }
  return undefined;
}

async function prepareLab(opts: DemoOptions): Promise<DemoLab & { startMs?: number }> {
  if (opts.platform === 'opencti' && !opts.planFile) return prepareOpenctiLab();
  if (opts.platform === 'misp' && !opts.planFile) return prepareMispLab();
  return prepareDemoLab(opts.planFile && path.resolve(opts.planFile));
}

async function main(): Promise<number> {
  const opts = options();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const lab = await prepareLab(opts);
  const plan = await loadPlanFile(lab.planFile);
  const planYaml = await readFile(lab.planFile, 'utf8');
  console.log(`drilling ${path.relative(PROJECT_ROOT, lab.planFile)} (target ${plan.target})`);
  const demoDir = path.join(dataDir(), 'demo');
  mkdirSync(demoDir, { recursive: true });

  let server: DevServer | Cluster | undefined;
  const uiPort = opts.uiPort ?? opts.port + 1000;
  const address = `127.0.0.1:${opts.port}`;
  let settings = temporalSettings({ TEMPORAL_ADDRESS: address });
  if (opts.engine === 'cluster') {
    // Its frontend on --port, PostgreSQL just below, the other hosts above (src/temporal/cluster/layout.ts).
    const cluster = await startCluster({ dir: path.join(demoDir, 'cluster'), basePort: opts.port - 1 });
    server = cluster;
    settings = cluster.settings();
    console.log(
      `started the Temporal cluster on ${cluster.address} (mutual TLS; ${cluster.layout.processes.map((p) => p.name).join(', ')}, PostgreSQL; logs: data/demo/cluster/logs)`,
    );
  } else if (await isPortOpen(opts.port)) {
    console.log(`using the Temporal server already on ${address}`);
  } else {
    server = await startDevServer({
      port: opts.port,
      uiPort,
      dbFile: path.join(demoDir, 'temporal.db'),
      logFile: path.join(demoDir, 'temporal.log'),
    });
    console.log(
      `started the Temporal dev server on ${address}; Web UI on http://127.0.0.1:${uiPort} (log: data/demo/temporal.log)`,
    );
  }
  const taskQueue = 'drillbook-demo';
  const workerConnection = await connectWorker(settings);
  const version = workerVersion({ ...process.env, DRILLBOOK_DEPLOYMENT: 'drillbook-demo' });
  const worker = await createDrillWorker({
    connection: workerConnection,
    namespace: settings.namespace,
    taskQueue,
    version,
  });
  const workerRun = worker.run();
  const connection = await connect(settings);
  const client = new Client({ connection, namespace: settings.namespace });
  // This build takes the demo's drills, whatever build an earlier demo left current.
  console.log(`worker ${await promoteIfNewer(client, version, true, 'drillbook-demo')}`);

  setAppTier(plan, { primary: 'start', secondary: 'stop' });

  try {
    const started = Date.now();
    if (server) await endLeftoverDrill(client, plan.target);
    const handle = await startDrill(client, taskQueue, {
      target: plan.target,
      requestedBy: REQUESTER,
      planYaml,
      reason: 'npm run demo',
    });
    console.log(
      `\nstarted ${handle.workflowId} as ${REQUESTER}; approvers ${APPROVERS.join(' and ')} answer every gate\n`,
    );
    const evidence = { checked: false, secondaryUp: false, primaryDown: false };
    const record = await runDrill(client, handle.workflowId, async (pending) => {
      if (pending.id !== 'approve-failback') return;
      // Between failover and failback: service must be on the secondary, and only there.
      if (lab.probe) {
        Object.assign(evidence, { checked: true }, await lab.probe());
      } else {
        const secondary = healthCheck(plan, 'secondary');
        const primary = healthCheck(plan, 'primary');
        evidence.checked = Boolean(secondary && primary);
        evidence.secondaryUp = secondary ? await answers(secondary) : false;
        evidence.primaryDown = primary ? !(await answers(primary)) : false;
      }
      console.log(
        `   demo probe: secondary ${evidence.secondaryUp ? 'answers' : 'DOES NOT answer'}, primary ${evidence.primaryDown ? 'is down' : 'STILL answers'}`,
      );
    });
    const wallMs = Date.now() - started;
    console.log(`\n${renderRecord(record)}\n`);
    printTimings(record, wallMs);
    console.log(attemptsLine(record));
    for (const line of recoveryLines(record)) console.log(line);
    const protection = protectionLine(record);
    if (protection) console.log(protection);
    if (lab.startMs !== undefined)
      console.log(`lab start ${(lab.startMs / 1000).toFixed(1)}s; drill wall time ${(wallMs / 1000).toFixed(1)}s`);
    // A plan that plants a test indicator must have measured when it was served again.
    const protected_ = !plan.tip?.protection || record.protection?.measuredMs !== undefined;
    const ok =
      record.status === 'succeeded' && evidence.checked && evidence.secondaryUp && evidence.primaryDown && protected_;
    console.log(
      ok
        ? '\nDEMO PASSED: the drill succeeded and the secondary served while the primary was down.'
        : `\nDEMO FAILED: status ${record.status}; secondary answered ${evidence.secondaryUp}, primary down ${evidence.primaryDown}${protected_ ? '' : '; the time to protection was not measured'}`,
    );
    return ok ? 0 : 1;
  } finally {
    worker.shutdown();
    await workerRun;
    await workerConnection.close();
    await connection.close();
    setAppTier(plan, { primary: 'stop', secondary: 'stop' });
    if (opts.platform === 'opencti') stopOpenctiLab(lab);
    else if (opts.platform === 'misp') stopMispLab(lab);
    else stopDemoLab(lab);
    if (server && !opts.keep) await server.stop();
    else if (server && opts.engine === 'cluster')
      console.log(`the cluster keeps running (--keep) on ${address}; its settings: data/demo/cluster/env`);
    else if (server) console.log(`the dev server keeps running (--keep): http://127.0.0.1:${uiPort}`);
  }
}

/** The demo's own server may hold a drill from an interrupted demo; it would block the new one. */
async function endLeftoverDrill(client: Client, target: string): Promise<void> {
  const handle = client.workflow.getHandle(`drill-${target}`);
  const running = await handle.describe().then(
    (d) => d.status.name === 'RUNNING',
    () => false,
  );
  if (!running) return;
  await handle.terminate('left over from an interrupted demo');
  console.log(`terminated drill-${target}, left over from an interrupted demo`);
}

/** Follows the drill, printing each step as it ends, and answers its gates as the demo's people. */
async function runDrill(
  client: Client,
  workflowId: string,
  beforeAnswer: (pending: PendingAction) => Promise<void>,
): Promise<DrillRecord> {
  const printed = new Set<string>();
  let answered = '';
  const deadline = Date.now() + 15 * 60_000;
  let record = await drillStatus(client, workflowId);
  while (Date.now() < deadline) {
    for (const step of record.steps) {
      const key = `${step.id}:${step.runs}:${step.status}`;
      if (['succeeded', 'failed', 'skipped', 'best-effort-failed'].includes(step.status) && !printed.has(key)) {
        printed.add(key);
        const took = step.startedAt && step.endedAt ? `${Date.parse(step.endedAt) - Date.parse(step.startedAt)}ms` : '';
        console.log(
          `  ${step.status === 'succeeded' ? '✓' : '✗'} [${step.phase}] ${step.title} (${took}) ${step.summary ?? step.error ?? ''}`,
        );
      }
    }
    if (FINAL_STATUSES.includes(record.status)) return record;
    const pending = record.pending;
    if (pending && `${pending.id}@${pending.since}` !== answered) {
      answered = `${pending.id}@${pending.since}`;
      await beforeAnswer(pending);
      await answer(client, workflowId, pending);
    }
    await sleep(250);
    record = await drillStatus(client, workflowId);
  }
  throw new Error(`the demo drill did not finish within 15 minutes; see drillbook status ${workflowId}`);
}

async function answer(client: Client, workflowId: string, pending: PendingAction): Promise<void> {
  if (pending.kind === 'approval') {
    for (const by of APPROVERS.slice(0, pending.quorum)) {
      const result = await approve(client, workflowId, { by, gate: pending.id, comment: 'demo approval' });
      console.log(`   ${by}: ${result.message}`);
    }
  } else if (pending.kind === 'task') {
    const result = await completeTask(client, workflowId, {
      by: REQUESTER,
      taskId: pending.id,
      note: 'done in the demo lab',
    });
    console.log(`   ${REQUESTER}: ${result.message} (${pending.prompt})`);
  } else {
    console.log(`   a step failed: ${pending.error}; the demo aborts`);
    await decide(client, workflowId, {
      by: REQUESTER,
      decision: 'abort',
      reason: 'the demo does not retry failed steps',
    });
  }
}

void main().then(exitWhenFlushed, (error: Error) => {
  if (!(error instanceof LabUnavailable)) return exitOnFailure('demo failed')(error);
  console.error(`\nDEMO FAILED: ${error.message}`);
  return exitWhenFlushed(1);
});
