/**
 * Talking to drills: start, look, approve, decide. Shared by the CLI, the demo and the Slack
 * endpoint, so every door gives the same answers and the same refusals.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { drillWorkflow } from '../workflows/drill';
import {
  approveUpdate,
  completeTaskUpdate,
  decideUpdate,
  rejectUpdate,
  statusQuery,
  type ApprovalInput,
  type CompleteTaskInput,
  type DecisionInput,
  type HandlerResult,
} from '../workflows/handlers';
import { DrillMode, DrillOutcome, DrillPhase, DrillTarget } from '../workflows/searchAttributes';
import { type DrillInput, type DrillRecord, drillWorkflowId } from '../domain';

/** A refusal a person can act on: not an approver, gate closed, drill already running… */
export class DrillRefused extends Error {
  override name = 'DrillRefused';
}

/** Accepts `drill-<target>` or just the target. */
export const toWorkflowId = (idOrTarget: string): string => (idOrTarget.startsWith('drill-') ? idOrTarget : drillWorkflowId(idOrTarget));

export async function startDrill(client: Client, taskQueue: string, input: DrillInput): Promise<WorkflowHandle<typeof drillWorkflow>> {
  const workflowId = drillWorkflowId(input.target);
  try {
    return await client.workflow.start('drillWorkflow', {
      taskQueue,
      workflowId,
      args: [input],
      staticSummary: `${input.mode ?? 'drill'} of ${input.target}, requested by ${input.requestedBy}`,
      staticDetails: input.reason,
      typedSearchAttributes: [
        { key: DrillTarget, value: input.target },
        { key: DrillMode, value: input.mode ?? 'drill' },
        { key: DrillPhase, value: 'starting' },
        { key: DrillOutcome, value: 'running' },
      ],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      const running = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
      const since = running ? ` since ${running.startTime.toISOString()}` : '';
      throw new DrillRefused(`a drill of ${input.target} is already running (${workflowId}${since}); finish or cancel it before starting another`);
    }
    throw error;
  }
}

export async function drillStatus(client: Client, idOrTarget: string): Promise<DrillRecord> {
  const workflowId = toWorkflowId(idOrTarget);
  try {
    return await client.workflow.getHandle(workflowId).query(statusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new DrillRefused(`no drill ${workflowId}`);
    throw error;
  }
}

async function update<A>(client: Client, idOrTarget: string, definition: { name: string }, input: A): Promise<HandlerResult> {
  const workflowId = toWorkflowId(idOrTarget);
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(definition.name, { args: [input] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new DrillRefused(error.cause?.message ?? error.message);
    if (error instanceof WorkflowNotFoundError) throw new DrillRefused(`no running drill ${workflowId}`);
    throw error;
  }
}

export const approve = (client: Client, id: string, input: ApprovalInput) => update(client, id, approveUpdate, input);
export const reject = (client: Client, id: string, input: ApprovalInput) => update(client, id, rejectUpdate, input);
export const decide = (client: Client, id: string, input: DecisionInput) => update(client, id, decideUpdate, input);
export const completeTask = (client: Client, id: string, input: CompleteTaskInput) => update(client, id, completeTaskUpdate, input);

export interface DrillListing {
  workflowId: string;
  target?: string;
  mode?: string;
  phase?: string;
  outcome?: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
}

export async function listDrills(client: Client, options: { running?: boolean; limit?: number } = {}): Promise<DrillListing[]> {
  const query = `WorkflowType = 'drillWorkflow'${options.running ? " AND ExecutionStatus = 'Running'" : ''}`;
  const listings: DrillListing[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: 100 })) {
    const attributes = execution.typedSearchAttributes;
    listings.push({
      workflowId: execution.workflowId,
      target: attributes.get(DrillTarget),
      mode: attributes.get(DrillMode),
      phase: attributes.get(DrillPhase),
      outcome: attributes.get(DrillOutcome),
      status: execution.status.name,
      startTime: execution.startTime,
      closeTime: execution.closeTime,
    });
    if (listings.length >= (options.limit ?? 50)) break;
  }
  return listings;
}
