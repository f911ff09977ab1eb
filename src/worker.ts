/** The Drillbook worker: runs drill workflows and their activities against a Temporal cluster. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { PROJECT_ROOT, plansDir, temporalSettings } from './config';
import { slackWebClient } from './slack/settings';
import { connect, connectWorker } from './temporal/connect';
import { ensureSearchAttributes } from './temporal/searchAttributes';

/** Built by `npm run build`; bundling at start-up instead costs seconds on every worker start. */
export const WORKFLOW_BUNDLE = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = process.env.DRILLBOOK_WORKFLOW_BUNDLE ?? WORKFLOW_BUNDLE;
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}

export interface DrillWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps?: Partial<ActivityDeps>;
  identity?: string;
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
    ...workflowSource(),
    activities: createActivities({ ...defaultActivityDeps(), ...options.deps }),
    // Drills are few and long; keep a small footprint so many workers can share a machine.
    maxConcurrentActivityTaskExecutions: 20,
  });
}

/** `drillbook worker`: runs until SIGINT/SIGTERM. */
export async function runWorker(): Promise<void> {
  const settings = temporalSettings();
  const operator = await connect(settings);
  const added = await ensureSearchAttributes(operator, settings.namespace).catch((error: Error) => {
    console.warn(`could not check search attributes (${error.message}); register DrillTarget, DrillPhase, DrillMode, DrillOutcome as Keyword`);
    return [];
  });
  if (added.length) console.log(`registered search attributes ${added.join(', ')}`);
  await operator.close();
  const connection = await connectWorker(settings);
  const worker = await createDrillWorker({ connection, namespace: settings.namespace, taskQueue: settings.taskQueue });
  console.log(`drillbook worker on ${settings.address}, namespace ${settings.namespace}, task queue ${settings.taskQueue}, plans in ${plansDir()}`);
  await worker.run();
  await connection.close();
}
