/**
 * Talking to drills: start, look, approve, decide. Shared by the CLI, the demo and the Slack
 * endpoint, so every door gives the same answers and the same refusals.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { drillWorkflow } from '../workflows/drill';
import {
  approveUpdate,
  completeTaskUpdate,
  decideUpdate,
  pauseUpdate,
  rejectUpdate,
  resumeUpdate,
  statusQuery,
  type ApprovalInput,
  type CompleteTaskInput,
  type DecisionInput,
  type HandlerResult,
  type PauseInput,
} from '../workflows/handlers';
import { DrillMode, DrillOutcome, DrillPhase, DrillTarget } from '../workflows/searchAttributes';
import { temporalSettings } from './config';
import { servingNote } from './servingNote';
import { recordFromHistory } from './staleRecord';
import { servingOf } from './temporal/placement';
import { DRILL_WORKFLOW_TASK_TIMEOUT, type DrillInput, type DrillRecord, drillWorkflowId } from '../domain';

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
      workflowTaskTimeout: DRILL_WORKFLOW_TASK_TIMEOUT,
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

/** How long a person waits for a drill to answer before being told it will answer later. */
const ANSWER_WITHIN_MS = 4000;

export async function drillStatus(client: Client, idOrTarget: string, options: { withinMs?: number } = {}): Promise<DrillRecord> {
  const workflowId = toWorkflowId(idOrTarget);
  try {
    const ask = () => client.workflow.getHandle(workflowId).query(statusQuery);
    return await (options.withinMs ? client.withDeadline(Date.now() + options.withinMs, ask) : ask());
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new DrillRefused(`no drill ${workflowId}`);
    throw error;
  }
}

/** A drill as a person sees it: live from its worker, or, when no worker answers, from its history. */
export interface DrillView {
  record: DrillRecord;
  live: boolean;
  /** For a stale view: the record is as of this moment (the last completed workflow task). */
  asOf?: Date;
  /** Why the view is not live. */
  note?: string;
}

export async function drillView(client: Client, idOrTarget: string, taskQueue = temporalSettings().taskQueue): Promise<DrillView> {
  const workflowId = toWorkflowId(idOrTarget);
  try {
    return { record: await drillStatus(client, workflowId, { withinMs: ANSWER_WITHIN_MS }), live: true };
  } catch (error) {
    if (error instanceof DrillRefused) throw error;
    // Which build the drill is pinned to and who polls: "a worker is back" is no answer while another build runs.
    const serving = await servingOf(client, taskQueue, workflowId).catch(() => undefined);
    const stale = await recordFromHistory(client, workflowId, serving?.drill.pinnedTo).catch(() => undefined);
    const unanswered = `no worker answered (${(error as Error).message.split('\n')[0]})`;
    const where = servingNote(serving, stale?.replaysHere);
    if (!stale?.record) throw new Error(`${unanswered}; ${where}`, { cause: error });
    const ageS = Math.round((Date.now() - stale.asOf.getTime()) / 1000);
    const note = `${unanswered}: this is the drill as of ${stale.asOf.toISOString()} (${ageS} s ago), read from its history; ${where}`;
    return { record: stale.record, live: false, asOf: stale.asOf, note };
  }
}

/** An answer the drill has not taken yet: Temporal holds it until a worker is back. */
export interface HandedOver {
  accepted: false;
  message: string;
}

// The SDK reports our own deadline either as the gRPC status or, once the update call was started, as its own error class.
const isDeadline = (error: unknown): boolean => error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || /deadline|DEADLINE_EXCEEDED|timed out/i.test(String((error as Error)?.message ?? error)) || (error as { code?: number })?.code === 4;

async function update<A extends { by?: string }>(client: Client, idOrTarget: string, definition: { name: string }, input: A): Promise<HandlerResult | HandedOver> {
  const workflowId = toWorkflowId(idOrTarget);
  try {
    return await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, () => client.workflow.getHandle(workflowId).executeUpdate<HandlerResult, [A]>(definition.name, { args: [input] }));
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new DrillRefused(error.cause?.message ?? error.message);
    if (error instanceof WorkflowNotFoundError) throw new DrillRefused(`no running drill ${workflowId}`);
    if (isDeadline(error)) {
      return {
        accepted: false,
        message: `${workflowId} did not answer within ${ANSWER_WITHIN_MS / 1000} s (its worker may be down): Temporal holds your ${definition.name} and the drill takes it when a worker is back; \`drillbook status ${workflowId}\` shows whether it was taken`,
      };
    }
    throw error;
  }
}

export const approve = (client: Client, id: string, input: ApprovalInput) => update(client, id, approveUpdate, input);
export const reject = (client: Client, id: string, input: ApprovalInput) => update(client, id, rejectUpdate, input);
export const decide = (client: Client, id: string, input: DecisionInput) => update(client, id, decideUpdate, input);
export const completeTask = (client: Client, id: string, input: CompleteTaskInput) => update(client, id, completeTaskUpdate, input);
export const pause = (client: Client, id: string, input: PauseInput) => update(client, id, pauseUpdate, input);
export const resume = (client: Client, id: string, input: PauseInput) => update(client, id, resumeUpdate, input);

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
