/**
 * Readiness prechecks from the outside: run one now (`drillbook precheck`), or on a Temporal
 * Schedule every so often. A precheck runs as precheck-<target>, never blocking a drill's ID.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type ScheduleHandle,
  type ScheduleOptions,
} from '@temporalio/client';
import { DrillRefused } from './drills';
import { PLAN_SYNC_MEMO, precheckScheduleIdFor, type PlanSyncMark } from './schedules';
import { DrillReadiness, DrillTarget } from '../workflows/searchAttributes';
import { precheckWorkflowId, type PrecheckInput, type PrecheckResult } from '../domain';

export async function runPrecheck(client: Client, taskQueue: string, input: PrecheckInput): Promise<PrecheckResult> {
  const workflowId = precheckWorkflowId(input.target);
  try {
    const handle = await client.workflow.start('precheckWorkflow', {
      taskQueue,
      workflowId,
      args: [input],
      staticSummary: `readiness precheck of ${input.target}${input.requestedBy ? `, asked by ${input.requestedBy}` : ''}`,
      typedSearchAttributes: [{ key: DrillTarget, value: input.target }],
    });
    return (await handle.result()) as PrecheckResult;
  } catch (error) {
    // One precheck at a time: when one is running, its answer is the answer.
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      return (await client.workflow.getHandle(workflowId).result()) as PrecheckResult;
    throw error;
  }
}

export interface PrecheckScheduleOptions {
  target: string;
  taskQueue: string;
  everyMs: number;
  createdBy: string;
  planYaml?: string;
  note?: string;
  /** Set on the precheck schedule a plan keeps (schedule sync). */
  planSync?: PlanSyncMark;
}

/** Everything a precheck schedule is, for a create and, without scheduleId and memo, for an update. */
export function precheckScheduleOptions(options: PrecheckScheduleOptions): ScheduleOptions {
  const scheduleId = precheckScheduleIdFor(options.target);
  return {
    scheduleId,
    spec: { intervals: [{ every: options.everyMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'precheckWorkflow',
      workflowId: precheckWorkflowId(options.target),
      taskQueue: options.taskQueue,
      args: [
        {
          target: options.target,
          planYaml: options.planYaml,
          requestedBy: `schedule:${scheduleId}`,
        } satisfies PrecheckInput,
      ],
      staticSummary: `readiness precheck of ${options.target}`,
      typedSearchAttributes: [
        { key: DrillTarget, value: options.target },
        { key: DrillReadiness, value: 'unknown' },
      ],
      ...(options.planSync ? { memo: { [PLAN_SYNC_MEMO]: options.planSync } } : {}),
    },
    // Each run gets the previous run's result, so it tells people only when the drifts change.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour', pauseOnFailure: false },
    state: {
      note: `created by ${options.createdBy} at ${new Date().toISOString()}${options.note ? `: ${options.note}` : ''}`,
    },
    memo: { target: options.target, createdBy: options.createdBy, kind: 'precheck' },
  };
}

export async function createPrecheckSchedule(
  client: Client,
  options: PrecheckScheduleOptions,
): Promise<ScheduleHandle> {
  try {
    return await client.schedule.create(precheckScheduleOptions(options));
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning)
      throw new DrillRefused(
        `${options.target} already has a precheck schedule (${precheckScheduleIdFor(options.target)}); delete it first or use --replace`,
      );
    throw error;
  }
}

/** One line per drift, or "ready". */
export function renderPrecheck(result: PrecheckResult): string {
  if (result.ready) return `${result.target}: ready (${result.checks} checks passed at ${result.checkedAt})`;
  return [
    `${result.target}: NOT READY: ${result.drifts.length} of ${result.checks} checks found drift (${result.checkedAt})`,
    ...result.drifts.map((d) => `  - ${d.sentence}`),
  ].join('\n');
}
