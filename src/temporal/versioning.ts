/**
 * Worker Deployment versions: every build of the worker is a version of the deployment
 * (`drillbook` by default), and a drill is pinned to the version it started on. A new build then
 * takes new drills while the old one finishes its own, waiting at gates for days if need be.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import { currentBuild } from './buildId';

export const DEFAULT_DEPLOYMENT = 'drillbook';

export interface VersionSettings {
  /** Off for a cluster without Worker Deployments (DRILLBOOK_WORKER_VERSIONING=off). */
  versioned: boolean;
  version: WorkerDeploymentVersion;
}

/** From the environment: DRILLBOOK_DEPLOYMENT, DRILLBOOK_BUILD_ID (overrides the build's own, src/temporal/buildId.ts), DRILLBOOK_WORKER_VERSIONING. */
export function versionSettings(env: NodeJS.ProcessEnv = process.env): VersionSettings {
  const versioned = (env.DRILLBOOK_WORKER_VERSIONING ?? 'on') !== 'off';
  const deploymentName = env.DRILLBOOK_DEPLOYMENT ?? DEFAULT_DEPLOYMENT;
  const buildId = env.DRILLBOOK_BUILD_ID ?? currentBuild().buildId;
  return { versioned, version: { deploymentName, buildId } };
}

export function deploymentOptions(settings: VersionSettings): WorkerDeploymentOptions {
  if (!settings.versioned) return { version: settings.version, useWorkerVersioning: false };
  // Pinned: a drill replays on the code that started it, never on a newer interpreter.
  return { version: settings.version, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' };
}

export interface DeploymentState {
  current?: string;
  ramping?: string;
  versions: { buildId: string; drainage?: string; createdAt?: Date }[];
}

/**
 * The deployment's current version and its versions, or undefined when the deployment does not exist
 * yet. The server answers from its deployment workflows, which can miss its own deadline on a busy
 * machine: asked up to three times before the error stands.
 */
export async function describeDeployment(client: Client, deploymentName: string): Promise<DeploymentState | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { workerDeploymentInfo: info } = await client.workflowService.describeWorkerDeployment({
        namespace: client.options.namespace,
        deploymentName,
      });
      const routing = info?.routingConfig;
      return {
        current: routing?.currentDeploymentVersion?.buildId ?? undefined,
        ramping: routing?.rampingDeploymentVersion?.buildId ?? undefined,
        versions: (info?.versionSummaries ?? []).map((v) => ({
          buildId: v.deploymentVersion?.buildId ?? '',
          drainage: drainageName(v.drainageInfo?.status),
          createdAt: v.createTime?.seconds ? new Date(Number(v.createTime.seconds) * 1000) : undefined,
        })),
      };
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === 5) return undefined; // NOT_FOUND: no worker of it has polled yet
      // DEADLINE_EXCEEDED or UNAVAILABLE: asked again after a moment.
      if ((code !== 4 && code !== 14) || attempt >= 3) throw error;
      await sleep(500 * attempt);
    }
  }
}

function drainageName(status: number | null | undefined): string | undefined {
  return status === 1 ? 'draining' : status === 2 ? 'drained' : undefined;
}

/**
 * Makes `buildId` the version new drills start on. The server knows a version only once a worker of
 * it has polled, so this retries for a while after the worker starts.
 */
export async function makeCurrent(
  client: Client,
  version: WorkerDeploymentVersion,
  options: { identity: string; waitMs?: number } = { identity: 'drillbook' },
): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  for (let attempt = 1; ; attempt++) {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: client.options.namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        identity: options.identity,
        // Promote even when the old version's task queues are not all served by the new one yet.
        ignoreMissingTaskQueues: true,
      });
      return;
    } catch (error) {
      const code = (error as { code?: number }).code;
      // NOT_FOUND or FAILED_PRECONDITION: the version has not registered (polled) yet.
      if ((code !== 5 && code !== 9) || Date.now() >= deadline || attempt > 200) throw error;
      await sleep(250);
    }
  }
}
