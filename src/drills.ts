/**
 * Talking to drills: start, look, approve, decide. Shared by the CLI, the demo and the Slack
 * endpoint, so every door gives the same answers and the same refusals.
 */
import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowNotFoundError, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import type { drillWorkflow } from '../workflows/drill';
import {
  attachEvidenceSignal,
  attachEvidenceUpdate,
  approveSignal,
  approveUpdate,
  completeTaskSignal,
  completeTaskUpdate,
  decideSignal,
  decideUpdate,
  pauseSignal,
  pauseUpdate,
  rejectSignal,
  rejectUpdate,
  resumeSignal,
  resumeUpdate,
  statusQuery,
  type ApprovalInput,
  type CompleteTaskInput,
  type DecisionInput,
  type EvidenceInput,
  type HandlerResult,
  type PauseInput,
  type Sent,
} from '../workflows/handlers';
import { DrillMode, DrillOutcome, DrillPhase, DrillTarget } from '../workflows/searchAttributes';
import { appendAudit, defaultAuditDir } from '../store/auditTrail';
import { closingFailure, settleRecord } from './closedDrill';
import { temporalSettings } from '../store/config';
import { servingNote } from './servingNote';
import { recordFromHistory } from './staleRecord';
import { servingOf } from './temporal/placement';
import { DRILL_WORKFLOW_TASK_TIMEOUT, type DrillInput, type DrillRecord, drillWorkflowId } from '../domain';

/** A refusal a person can act on: not an approver, gate closed, drill already running… */
export class DrillRefused extends Error {
  override name = 'DrillRefused';
}

/** Accepts `drill-<target>` or just the target. */
export const toWorkflowId = (idOrTarget: string): string =>
  idOrTarget.startsWith('drill-') ? idOrTarget : drillWorkflowId(idOrTarget);

export async function startDrill(
  client: Client,
  taskQueue: string,
  input: DrillInput,
): Promise<WorkflowHandle<typeof drillWorkflow>> {
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
      const running = await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      const since = running ? ` since ${running.startTime.toISOString()}` : '';
      const reason = `a drill of ${input.target} is already running (${workflowId}${since}); finish or cancel it before starting another`;
      // Refused all the same when the trail cannot be written; the refusal then says so.
      const kept = await appendAudit(defaultAuditDir(), {
        at: new Date().toISOString(),
        target: input.target,
        kind: 'duplicate-start',
        by: input.requestedBy,
        via: 'cli',
        reason,
        workflowId,
      }).then(
        (result) => (result === 'kept' ? '' : ' (the audit trail is full: this refusal is not in it)'),
        (failure: Error) => ` (not kept in the audit trail: ${failure.message})`,
      );
      throw new DrillRefused(`${reason}${kept}`);
    }
    throw error;
  }
}

/** How long a person waits for a drill to answer before being told it will answer later. */
const ANSWER_WITHIN_MS = 4000;

/**
 * The workflow ID a person means: drill-<target>, or the ID as given when no drill-<target> exists
 * (a drill started from the Temporal UI under another ID, which it refused).
 */
export async function resolveWorkflowId(client: Client, idOrTarget: string): Promise<string> {
  const workflowId = toWorkflowId(idOrTarget);
  if (workflowId === idOrTarget) return workflowId;
  const exists = async (id: string) =>
    client.workflow
      .getHandle(id)
      .describe()
      .then(
        () => true,
        (error: unknown) => (error instanceof WorkflowNotFoundError ? false : Promise.reject(error)),
      );
  return (await exists(workflowId)) || !(await exists(idOrTarget)) ? workflowId : idOrTarget;
}

export async function drillStatus(
  client: Client,
  idOrTarget: string,
  options: { withinMs?: number } = {},
): Promise<DrillRecord> {
  const workflowId = toWorkflowId(idOrTarget);
  const ask = async (id: string) => {
    const query = () => client.workflow.getHandle(id).query(statusQuery);
    return settleRecord(
      client,
      id,
      await (options.withinMs ? client.withDeadline(Date.now() + options.withinMs, query) : query()),
    );
  };
  try {
    return await ask(workflowId);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  // Not drill-<target>: perhaps a drill started under the ID as given (which it refused).
  if (workflowId !== idOrTarget) {
    try {
      return await ask(idOrTarget);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  throw new DrillRefused(`no drill ${workflowId}`);
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

export async function drillView(
  client: Client,
  idOrTarget: string,
  taskQueue = temporalSettings().taskQueue,
): Promise<DrillView> {
  const workflowId = await resolveWorkflowId(client, idOrTarget);
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
    return {
      record: await settleRecord(client, workflowId, stale.record),
      live: false,
      asOf: stale.asOf,
      note: `${note}${await handedOverNote(client, workflowId)}`,
    };
  }
}

/** An answer no worker took in time, recorded in the drill's history as a signal: the drill acts on it when a worker is back. */
export interface HandedOver {
  accepted: false;
  message: string;
  requestId: string;
}

// The SDK reports our own deadline either as the gRPC status or, once the update call was started, as its own error class.
const isDeadline = (error: unknown): boolean =>
  error instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
  /deadline|DEADLINE_EXCEEDED|timed out/i.test(String((error as Error)?.message ?? error)) ||
  (error as { code?: number })?.code === 4;

/** How long recording a hand-over may take before the person is told it was not recorded. */
const RECORD_WITHIN_MS = 10_000;

interface Door<A> {
  update: UpdateDefinition<HandlerResult, [A]>;
  signal: SignalDefinition<[A]>;
}

/**
 * Answers a drill: an update, so the person hears at once whether it was taken or refused. When no
 * worker takes it within a few seconds (the drill's worker is down), the same answer, under the same
 * request id, is recorded in the drill's history as a signal, which survives a server restart; the
 * drill acts on it when a worker is back, judging it as it judges an update (a refusal is kept in
 * its record). Should the update still be delivered later, the drill sees the id again and does
 * nothing twice.
 */
async function answer<A extends Sent & { by?: string }>(
  client: Client,
  idOrTarget: string,
  door: Door<A>,
  given: A,
): Promise<HandlerResult | HandedOver> {
  const workflowId = toWorkflowId(idOrTarget);
  const input: A = { ...given, channel: given.channel ?? 'cli', requestId: given.requestId ?? randomUUID() };
  const requestId = input.requestId as string;
  const handle = client.workflow.getHandle(workflowId);
  try {
    return await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, () =>
      handle.executeUpdate(door.update, { args: [input] }),
    );
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new DrillRefused(error.cause?.message ?? error.message);
    if (error instanceof WorkflowNotFoundError) throw new DrillRefused(`no running drill ${workflowId}`);
    if (!isDeadline(error)) throw error;
  }
  try {
    await client.withDeadline(Date.now() + RECORD_WITHIN_MS, () => handle.signal(door.signal, input));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new DrillRefused(`no running drill ${workflowId}`);
    throw new Error(
      `${workflowId} did not answer within ${ANSWER_WITHIN_MS / 1000} s and your ${door.update.name} could not be recorded either (${(error as Error).message.split('\n')[0]}): nothing was recorded; send it again`,
      { cause: error },
    );
  }
  return {
    accepted: false,
    requestId,
    message: `${workflowId} did not answer within ${ANSWER_WITHIN_MS / 1000} s (its worker may be down), so your ${door.update.name} is recorded in the drill's history and will be acted on when a worker is back, with the same checks as ever (a refusal would be kept in its record); \`drillbook status ${workflowId}\` shows when it was taken`,
  };
}

export const approve = (client: Client, id: string, input: ApprovalInput) =>
  answer(client, id, { update: approveUpdate, signal: approveSignal }, input);
export const reject = (client: Client, id: string, input: ApprovalInput) =>
  answer(client, id, { update: rejectUpdate, signal: rejectSignal }, input);
export const decide = (client: Client, id: string, input: DecisionInput) =>
  answer(client, id, { update: decideUpdate, signal: decideSignal }, input);
export const completeTask = (client: Client, id: string, input: CompleteTaskInput) =>
  answer(client, id, { update: completeTaskUpdate, signal: completeTaskSignal }, input);
export const pause = (client: Client, id: string, input: PauseInput) =>
  answer(client, id, { update: pauseUpdate, signal: pauseSignal }, input);
export const resume = (client: Client, id: string, input: PauseInput) =>
  answer(client, id, { update: resumeUpdate, signal: resumeSignal }, input);

/**
 * Attaches a client's evidence to a running drill (an update; a signal when no worker answers in
 * time). A drill that ended is refused here, saying so: its record is final.
 */
export async function attachEvidence(
  client: Client,
  id: string,
  input: EvidenceInput,
): Promise<HandlerResult | HandedOver> {
  const workflowId = await resolveWorkflowId(client, id);
  const described = await client.workflow
    .getHandle(workflowId)
    .describe()
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) throw new DrillRefused(`no drill ${workflowId}`);
      throw error;
    });
  if (described.status.name !== 'RUNNING')
    throw new DrillRefused(
      `${workflowId} has ended (${described.status.name.toLowerCase()}): evidence is attached to a drill while it runs (at its sign-off, say); its record is final`,
    );
  return answer(client, workflowId, { update: attachEvidenceUpdate, signal: attachEvidenceSignal }, input);
}

/** The SDK's signal names of the answers, for telling a person which of theirs wait in history. */
const ANSWER_SIGNALS = new Set(
  [approveSignal, rejectSignal, decideSignal, completeTaskSignal, pauseSignal, resumeSignal].map((s) => s.name),
);

/** Answers recorded in history after the last workflow task a worker completed: handed over, not taken yet. */
async function handedOverNote(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow
    .getHandle(workflowId)
    .fetchHistory()
    .catch(() => undefined);
  const events = history?.events ?? [];
  const lastDone = events.map((e) => Boolean(e.workflowTaskCompletedEventAttributes)).lastIndexOf(true);
  const waiting = events.slice(lastDone + 1).flatMap((e) => {
    const signal = e.workflowExecutionSignaledEventAttributes;
    return signal?.signalName && ANSWER_SIGNALS.has(signal.signalName)
      ? [
          `${signal.signalName.replace(/Signal$/, '')} at ${new Date(Number(e.eventTime?.seconds ?? 0) * 1000).toISOString()}`,
        ]
      : [];
  });
  return waiting.length ? `. Recorded and waiting for a worker: ${waiting.join(', ')}` : '';
}

export interface DrillListing {
  workflowId: string;
  target?: string;
  mode?: string;
  phase?: string;
  outcome?: string;
  /** Why a drill was refused at its start (a wrong workflow ID), from the failure its history closes with. */
  reason?: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
}

export async function listDrills(
  client: Client,
  options: { running?: boolean; limit?: number } = {},
): Promise<DrillListing[]> {
  const query = `WorkflowType = 'drillWorkflow'${options.running ? " AND ExecutionStatus = 'Running'" : ''}`;
  const listings: DrillListing[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: 100 })) {
    const attributes = execution.typedSearchAttributes;
    const listing: DrillListing = {
      workflowId: execution.workflowId,
      target: attributes.get(DrillTarget),
      mode: attributes.get(DrillMode),
      phase: attributes.get(DrillPhase),
      outcome: attributes.get(DrillOutcome),
      status: execution.status.name,
      startTime: execution.startTime,
      closeTime: execution.closeTime,
    };
    // A drill refused at its start says so; one from before it did still says "running" although it has ended.
    if (listing.outcome === 'refused' || (listing.status === 'FAILED' && listing.outcome === 'running')) {
      const failure = await closingFailure(client, execution.workflowId, execution.runId).catch(() => undefined);
      if (failure?.type === 'WrongWorkflowId' || failure?.type === 'InvalidInput')
        Object.assign(listing, { outcome: 'refused', reason: failure.message });
      else if (failure) Object.assign(listing, { outcome: 'failed', reason: failure.message });
    }
    listings.push(listing);
    if (listings.length >= (options.limit ?? 50)) break;
  }
  return listings;
}
