/**
 * The drill's messages, shared by the workflow and every client (CLI, Slack endpoint, demo).
 * Updates answer the caller (a validator refuses without touching history); signals of the same
 * meaning serve fire-and-forget clients such as the Temporal UI.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Channel, ClientEvidence, DrillRecord, OperatorDecision } from '../domain';

/** What every answer a person sends may carry besides what it says. */
export interface Sent {
  /** The door it came through, kept in the record; absent, the Temporal UI (or a client that named none). */
  channel?: Channel;
  /**
   * One answer, one id: an answer handed over as a signal while its update was still in flight is
   * acted on once, whichever of the two the drill sees first; a replayed Slack click is dropped.
   */
  requestId?: string;
}

export interface ApprovalInput extends Sent {
  by: string;
  comment?: string;
  /** The gate meant; refused when another one is open (a stale button). */
  gate?: string;
  /** When the gate meant was opened (a Slack button carries it): an answer to an earlier opening is refused. */
  openedAt?: string;
}

export interface DecisionInput extends Sent {
  by: string;
  decision: OperatorDecision;
  reason?: string;
  /** The step meant; refused when another one is waiting. */
  stepId?: string;
  /** When the decision was asked (a Slack button carries it): an answer to an earlier failure of the step is refused. */
  openedAt?: string;
}

export interface CompleteTaskInput extends Sent {
  by: string;
  taskId: string;
  note?: string;
  /** When the task was opened (a Slack button carries it). */
  openedAt?: string;
}

export interface PauseInput extends Sent {
  by: string;
  /** Why: required to pause, optional to resume; kept in the record. */
  reason?: string;
}

/** A client's truth about an outage (`drillbook evidence`), attached to the running drill. */
export interface EvidenceInput extends Sent {
  by: string;
  evidence: ClientEvidence;
}

/** What an update returns: what happened, and what the drill waits for now. */
export interface HandlerResult {
  accepted: true;
  message: string;
}

export const approveUpdate = defineUpdate<HandlerResult, [ApprovalInput]>('approve');
export const rejectUpdate = defineUpdate<HandlerResult, [ApprovalInput]>('reject');
export const decideUpdate = defineUpdate<HandlerResult, [DecisionInput]>('decide');
export const completeTaskUpdate = defineUpdate<HandlerResult, [CompleteTaskInput]>('completeTask');
export const pauseUpdate = defineUpdate<HandlerResult, [PauseInput]>('pause');
export const resumeUpdate = defineUpdate<HandlerResult, [PauseInput]>('resume');

export const attachEvidenceUpdate = defineUpdate<HandlerResult, [EvidenceInput]>('attachEvidence');

export const approveSignal = defineSignal<[ApprovalInput]>('approveSignal');
export const rejectSignal = defineSignal<[ApprovalInput]>('rejectSignal');
export const decideSignal = defineSignal<[DecisionInput]>('decideSignal');
export const completeTaskSignal = defineSignal<[CompleteTaskInput]>('completeTaskSignal');
export const pauseSignal = defineSignal<[PauseInput]>('pauseSignal');
export const resumeSignal = defineSignal<[PauseInput]>('resumeSignal');

export const attachEvidenceSignal = defineSignal<[EvidenceInput]>('attachEvidenceSignal');

export const statusQuery = defineQuery<DrillRecord>('status');
