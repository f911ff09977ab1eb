/**
 * The previous readiness precheck of a target, so a scheduled precheck tells people only when the
 * drifts change. Read from Temporal's visibility through the worker's own client: the last
 * completed precheckWorkflow run of the target other than the one asking.
 */
import { Context } from '@temporalio/activity';
import type { PrecheckResult } from '../domain';

export function createReadinessActivities() {
  return {
    async previousPrecheck(input: { target: string; exceptRunId: string }): Promise<PrecheckResult | undefined> {
      const { client } = Context.current();
      const query = `WorkflowType = 'precheckWorkflow' AND DrillTarget = '${input.target}' AND ExecutionStatus = 'Completed'`;
      let latest: { closeTime: Date; workflowId: string; runId: string } | undefined;
      let seen = 0;
      for await (const run of client.workflow.list({ query, pageSize: 20 })) {
        if (++seen > 50) break;
        if (run.runId === input.exceptRunId || !run.closeTime) continue;
        if (!latest || run.closeTime > latest.closeTime)
          latest = { closeTime: run.closeTime, workflowId: run.workflowId, runId: run.runId };
      }
      if (!latest) return undefined;
      return (await client.workflow.getHandle(latest.workflowId, latest.runId).result()) as PrecheckResult;
    },
  };
}
