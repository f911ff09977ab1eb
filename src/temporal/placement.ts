/**
 * Where drills are and who serves them: which build each open drill of a task queue is pinned to,
 * and which builds' workers poll the queue now. A build "serves" its drills only while a worker of it
 * polls; a drill pinned to a build nobody polls waits for ever unless a newer build adopts it
 * (src/adoption.ts) or its own build runs again (`drillbook worker --build <id>`).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const PINNED = temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED;

export interface Poller {
  identity: string;
  /** The build the worker polls as; undefined for an unversioned worker. */
  buildId?: string;
  deploymentName?: string;
  lastAccess?: Date;
}

/**
 * How long after its last poll a worker still counts as polling. The server keeps a poller's last
 * access as when its long poll began, and an idle long poll lasts up to about a minute, so a live
 * worker can look 60-70 s quiet; a killed one stays in the list for minutes (DRILLBOOK_POLLER_SILENCE_S).
 */
export const pollerSilenceMs = (env: NodeJS.ProcessEnv = process.env): number =>
  Number(env.DRILLBOOK_POLLER_SILENCE_S ?? 90) * 1000;

/** The workers polling a task queue for workflow tasks, each with its build. */
export async function workflowPollers(client: Client, taskQueue: string): Promise<Poller[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).map((p) => ({
    identity: p.identity ?? '',
    buildId: p.deploymentOptions?.buildId || undefined,
    deploymentName: p.deploymentOptions?.deploymentName || undefined,
    lastAccess: p.lastAccessTime?.seconds
      ? new Date(Number(p.lastAccessTime.seconds) * 1000 + Math.floor((p.lastAccessTime.nanos ?? 0) / 1e6))
      : undefined,
  }));
}

/** The builds a worker polls as now (seen within `silenceMs`). */
export function servedBuilds(pollers: Poller[], silenceMs: number, now = Date.now()): Set<string> {
  return new Set(
    pollers
      .filter((p) => p.buildId && p.lastAccess && now - p.lastAccess.getTime() <= silenceMs)
      .map((p) => p.buildId as string),
  );
}

export interface OpenDrill {
  workflowId: string;
  runId: string;
  type: string;
  /** The build the drill's workflow tasks go to: its pinned override's, else the one it started on. */
  pinnedTo?: string;
  deploymentName?: string;
  /** Moved by a versioning override (an adoption or `temporal workflow update-options`). */
  overridden: boolean;
}

/** Where a workflow's tasks go, from its versioning info (newer fields first, deprecated ones as fallback). */
export function placementOf(
  versioning: temporal.api.workflow.v1.IWorkflowExecutionVersioningInfo | null | undefined,
): Pick<OpenDrill, 'pinnedTo' | 'deploymentName' | 'overridden'> {
  const override = versioning?.versioningOverride;
  const overridePinned =
    override?.pinned?.version ?? (override?.behavior === PINNED ? versionOfString(override.pinnedVersion) : undefined);
  if (overridePinned?.buildId)
    return {
      pinnedTo: overridePinned.buildId,
      deploymentName: overridePinned.deploymentName ?? undefined,
      overridden: true,
    };
  if (versioning?.behavior !== PINNED) return { overridden: false };
  const version = versioning.deploymentVersion ?? versionOfString(versioning.version);
  return {
    pinnedTo: version?.buildId || undefined,
    deploymentName: version?.deploymentName || undefined,
    overridden: false,
  };
}

/** Servers before 1.28 spelled a version "<deployment>.<build id>" (deprecated fields). */
function versionOfString(value: string | null | undefined): { deploymentName?: string; buildId?: string } | undefined {
  if (!value) return undefined;
  const dot = value.indexOf('.');
  return dot < 0 ? { buildId: value } : { deploymentName: value.slice(0, dot), buildId: value.slice(dot + 1) };
}

/** Drills are few (one per target); more than this many open on one queue is not a drill workload. */
const MAX_OPEN = 500;

/**
 * The open workflows of a task queue, each with the build it is pinned to. A listing does not carry
 * versioning info (the dev server leaves it empty), so each one is described; drills are few.
 */
export async function openWorkflows(client: Client, taskQueue: string): Promise<OpenDrill[]> {
  const found: OpenDrill[] = [];
  const query = `TaskQueue = '${taskQueue.replace(/'/g, "\\'")}' AND ExecutionStatus = 'Running'`;
  for await (const info of client.workflow.list({ query })) {
    const description = await client.workflow
      .getHandle(info.workflowId, info.runId)
      .describe()
      .catch(() => undefined);
    if (!description || description.status.name !== 'RUNNING') continue; // closed since it was listed
    found.push({
      workflowId: info.workflowId,
      runId: info.runId,
      type: info.type,
      ...placementOf(description.raw.workflowExecutionInfo?.versioningInfo),
    });
    if (found.length >= MAX_OPEN) break;
  }
  return found;
}

/** What serves one drill now, for `status` and the worker's log. */
export interface Serving {
  drill: OpenDrill;
  /** Whether a worker of the drill's pinned build polls now (true for an unpinned drill with any poller). */
  served: boolean;
  /** The builds that do poll now. */
  polling: string[];
}

export async function servingOf(
  client: Client,
  taskQueue: string,
  workflowId: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Serving | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const drill: OpenDrill = {
    workflowId,
    runId: description.runId,
    type: description.type,
    ...placementOf(description.raw.workflowExecutionInfo?.versioningInfo),
  };
  const pollers = await workflowPollers(client, description.taskQueue || taskQueue);
  const served = servedBuilds(pollers, pollerSilenceMs(env));
  const anyRecent = pollers.some((p) => p.lastAccess && Date.now() - p.lastAccess.getTime() <= pollerSilenceMs(env));
  return { drill, served: drill.pinnedTo ? served.has(drill.pinnedTo) : anyRecent, polling: [...served] };
}
