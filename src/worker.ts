/** The Drillbook worker: runs drill workflows and their activities against a Temporal cluster. */
import { existsSync } from 'node:fs';
import { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { heartbeatWhileRunning } from '../kinds/kit/activities/heartbeat';
import { HEARTBEAT_EVERY_MS } from '../domain';
import { adoptEveryMs, keepAdopting } from './adoption';
import { PROJECT_ROOT, plansDir, temporalSettings, workflowBundlePath } from '../store/config';
import { slackWebClient } from './slack/settings';
import { connect, connectWorker } from './temporal/connect';
import { installMetrics, metricsAddress } from './temporal/metrics';
import { pollerSilenceMs } from './temporal/placement';
import { ensureSearchAttributes } from './temporal/searchAttributes';
import {
  deploymentOptions,
  describeDeployment,
  makeCurrent,
  versionSettings,
  type VersionSettings,
} from './temporal/versioning';

/** Built by `npm run build`; bundling at start-up instead costs seconds on every worker start. */
const bundlePath = (): string => workflowBundlePath();

export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = bundlePath();
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}

/** This worker's deployment version, from the environment and the build (see src/temporal/versioning.ts). */
export const workerVersion = (env: NodeJS.ProcessEnv = process.env): VersionSettings => versionSettings(env);

export interface DrillWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps?: Partial<ActivityDeps>;
  identity?: string;
  /** The deployment version this worker serves; the environment's when absent. */
  version?: VersionSettings;
  /** Workflow code to run instead of the built bundle (another build's, in the upgrade test). */
  workflowBundleCode?: string;
  /** How long a stopping worker lets running steps finish before cancelling them (they then run again elsewhere). */
  shutdownGraceMs?: number;
}

/**
 * `drillbook worker`'s grace on SIGTERM: running steps get this long to finish; a longer one is
 * cancelled and runs again on another worker. A service manager must wait longer than this before it
 * kills the process (deploy/systemd: TimeoutStopSec=60; deploy/kubernetes: terminationGracePeriodSeconds: 60).
 */
export const WORKER_SHUTDOWN_GRACE_MS = 30_000;

/**
 * Drills whose workflow state a worker keeps in memory between their tasks (DRILLBOOK_MAX_CACHED_WORKFLOWS).
 * The SDK's default grows with the heap limit (~900 on a 4 GiB heap), so 500 prechecks at once were all
 * held: 443 MiB. A drill pushed out replays its history at its next task (milliseconds for a drill's
 * few hundred events), so a bound costs little and keeps a worker's memory flat however many drills run.
 */
export function maxCachedWorkflows(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.DRILLBOOK_MAX_CACHED_WORKFLOWS ?? '100';
  if (!/^\d+$/.test(text) || Number(text) === 1)
    throw new Error(`DRILLBOOK_MAX_CACHED_WORKFLOWS must be 0 (no cache) or a whole number from 2, got "${text}"`);
  return Number(text);
}

export function defaultActivityDeps(): ActivityDeps {
  return { plansDir: plansDir(), workdir: PROJECT_ROOT, slack: slackWebClient() };
}

export async function createDrillWorker(options: DrillWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.workflowBundleCode ? { workflowBundle: { code: options.workflowBundleCode } } : workflowSource()),
    workerDeploymentOptions: deploymentOptions(options.version ?? workerVersion()),
    activities: createActivities({ ...defaultActivityDeps(), ...options.deps }),
    // Every activity beats twice a second while it runs, and each beat reaches the server (the SDK would
    // hold them back to 0.8 x the heartbeat timeout): a worker that dies is noticed within the plan's
    // heartbeat timeout (2 s by default), and its step runs again on another worker.
    interceptors: { activity: [heartbeatWhileRunning] },
    maxHeartbeatThrottleInterval: HEARTBEAT_EVERY_MS,
    // Drills are few and long; keep a small footprint so many workers can share a machine.
    maxConcurrentActivityTaskExecutions: 20,
    maxCachedWorkflows: maxCachedWorkflows(),
    ...(options.shutdownGraceMs ? { shutdownGraceTime: options.shutdownGraceMs } : {}),
    // A drill whose worker died is taken over by another within seconds, not the default 10 s.
    stickyQueueScheduleToStartTimeout: '2s',
    // The record is handed out only when `drillbook status` replays a history (src/staleRecord.ts).
    sinks: { drillbook: { recorded: { fn: () => undefined, callDuringReplay: false } } },
  });
}

/**
 * Makes this worker's version current when the deployment has none yet (the first deploy), when this
 * build is newer than the current one (first seen after it: a rollout), or when asked (`--promote`,
 * a rollback). An older build that restarts serves only the drills pinned to it.
 */
export async function promoteIfNewer(
  client: Client,
  settings: VersionSettings,
  promote: boolean,
  identity: string,
): Promise<string> {
  if (!settings.versioned) return 'unversioned (DRILLBOOK_WORKER_VERSIONING=off)';
  const { deploymentName, buildId } = settings.version;
  const state = await describeDeployment(client, deploymentName);
  if (state?.current === buildId) return `version ${deploymentName}/${buildId}, current: new drills start here`;
  const firstSeen = (id: string | undefined) => state?.versions.find((v) => v.buildId === id)?.createdAt?.getTime();
  const mine = firstSeen(buildId) ?? Date.now();
  const newer = mine >= (firstSeen(state?.current) ?? 0);
  if (promote || !state?.current || newer) {
    await makeCurrent(client, settings.version, { identity });
    return `version ${deploymentName}/${buildId}, made current${state?.current ? ` (was ${state.current}, which keeps the drills pinned to it)` : ''}: new drills start here`;
  }
  return `version ${deploymentName}/${buildId}, not current (${state.current} is): serves only drills pinned to it; \`drillbook worker --promote\` or \`drillbook deployment promote ${buildId}\` makes it take new drills`;
}

/** `drillbook worker`: runs until SIGINT/SIGTERM. */
export async function runWorker(options: { promote?: boolean; metricsPort?: string } = {}): Promise<void> {
  const settings = temporalSettings();
  const metrics = metricsAddress(options.metricsPort);
  if (metrics) installMetrics(metrics);
  const operator = await connect(settings);
  const added = await ensureSearchAttributes(operator, settings.namespace).catch((error: Error) => {
    console.warn(
      `could not check search attributes (${error.message}); register DrillTarget, DrillPhase, DrillMode, DrillOutcome as Keyword`,
    );
    return [];
  });
  if (added.length) console.log(`registered search attributes ${added.join(', ')}`);
  const version = workerVersion();
  const connection = await connectWorker(settings);
  const worker = await createDrillWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    version,
    shutdownGraceMs: WORKER_SHUTDOWN_GRACE_MS,
  });
  const running = worker.run();
  const client = new Client({ connection: operator, namespace: settings.namespace });
  const where = await promoteIfNewer(client, version, options.promote ?? false, worker.options.identity).catch(
    (error: Error) =>
      `version ${version.version.buildId}; could not check or set the current version: ${error.message}`,
  );
  console.log(
    `drillbook worker on ${settings.address}, namespace ${settings.namespace}, task queue ${settings.taskQueue}, plans in ${plansDir()}; ${where}${metrics ? `; metrics on http://${metrics}/metrics` : ''}`,
  );
  const everyMs = adoptEveryMs();
  const stopAdopting =
    version.versioned && everyMs > 0 && existsSync(bundlePath())
      ? keepAdopting(
          client,
          {
            taskQueue: settings.taskQueue,
            version: version.version,
            bundlePath: bundlePath(),
            identity: worker.options.identity,
            silenceMs: pollerSilenceMs(),
          },
          { everyMs, log: (line) => console.log(line), slack: slackWebClient() },
        )
      : undefined;
  if (stopAdopting)
    console.log(
      `adopting drills pinned to builds no worker polls (none seen for ${pollerSilenceMs() / 1000} s) when their history replays on this build; looking every ${everyMs / 1000} s`,
    );
  await running;
  await stopAdopting?.();
  await operator.close();
  await connection.close();
}
