/**
 * What a Temporal Schedule starts: one drill of one target, under the drill's own fixed workflow
 * id (drill-<target>) so the rule "one drill per target" holds for scheduled and manual drills
 * alike. Schedule runs get timestamped ids of their own, so the drill is a child with that fixed
 * id, abandoned when this short workflow ends. A schedule never fails a site over by itself: the
 * drill waits at its first gate for a person like any other.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { log, ParentClosePolicy, patched, proxyActivities, startChild } from '@temporalio/workflow';
import { drillWorkflow } from './drill';
import { DrillMode as DrillModeKey, DrillOutcome, DrillPhase, DrillTarget } from './searchAttributes';
import { DRILL_WORKFLOW_TASK_TIMEOUT, type DrillActivities, type DrillMode, drillWorkflowId } from '../domain';

const { auditRefusal } = proxyActivities<DrillActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

export interface ScheduledDrillInput {
  target: string;
  scheduleId: string;
  mode?: DrillMode;
  planYaml?: string;
  reason?: string;
}

export interface ScheduledDrillResult {
  started: boolean;
  drillWorkflowId: string;
  runId?: string;
  note: string;
}

export async function scheduledDrillWorkflow(input: ScheduledDrillInput): Promise<ScheduledDrillResult> {
  const workflowId = drillWorkflowId(input.target);
  const mode = input.mode ?? 'drill';
  const requestedBy = `schedule:${input.scheduleId}`;
  try {
    const child = await startChild(drillWorkflow, {
      workflowId,
      args: [
        {
          target: input.target,
          mode,
          requestedBy,
          planYaml: input.planYaml,
          reason: input.reason ?? `scheduled by ${input.scheduleId}`,
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      ...(patched('drill-task-timeout') ? { workflowTaskTimeout: DRILL_WORKFLOW_TASK_TIMEOUT } : {}),
      staticSummary: `${mode} of ${input.target}, started by schedule ${input.scheduleId}`,
      typedSearchAttributes: [
        { key: DrillTarget, value: input.target },
        { key: DrillModeKey, value: mode },
        { key: DrillPhase, value: 'starting' },
        { key: DrillOutcome, value: 'running' },
      ],
    });
    return {
      started: true,
      drillWorkflowId: workflowId,
      runId: child.firstExecutionRunId,
      note: `started ${workflowId}; it waits at its first gate for a person`,
    };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    // Not a failure: the target is being drilled already, which is what the schedule wanted.
    const note = `a drill of ${input.target} (${workflowId}) is already running; this scheduled run did not start another`;
    log.info(note);
    // A second start all the same: kept in the target's audit trail beside the CLI's, whatever becomes of the trail.
    if (patched('scheduled-duplicate-audited')) {
      const entry = {
        at: new Date().toISOString(),
        target: input.target,
        kind: 'duplicate-start',
        by: requestedBy,
        via: 'schedule',
        reason: note,
        workflowId,
      } as const;
      await auditRefusal(entry).catch((error: unknown) =>
        log.warn('the audit trail could not keep the skipped start', { error: (error as Error).message }),
      );
    }
    return { started: false, drillWorkflowId: workflowId, note };
  }
}
