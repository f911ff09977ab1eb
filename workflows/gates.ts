/**
 * The places where a drill waits for people: approval gates, operator decisions on failed steps,
 * and manual tasks. One gate is open at a time; updates and signals close it; a gate that waits too
 * long sends reminders and finally times out. Nothing proceeds unapproved.
 */
import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import {
  checkApproval,
  checkChannel,
  checkDecision,
  checkPause,
  checkResume,
  checkTaskCompletion,
  ownRuleOf,
  requireName,
  type GateRules,
} from './access';
import {
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
  type HandlerResult,
  type PauseInput,
  type Sent,
} from './handlers';
import type { Recorder } from './recorder';
import {
  CHANNELS,
  type Channel,
  type DrillEvent,
  type OperatorDecision,
  type PauseRecord,
  type PendingAction,
  type PendingKind,
  type PhaseId,
  type Via,
  headlineOf,
} from '../domain';

export interface GateTiming {
  reminderAfterMs: number;
  timeoutMs: number;
}

type Resolution =
  | { kind: 'approval'; result: 'approved' | 'rejected'; by: string; comment?: string }
  | { kind: 'decision'; decision: OperatorDecision; by: string; reason?: string }
  | { kind: 'task'; by: string; note?: string }
  | { kind: 'pause'; by: string; reason?: string };

export type ApprovalOutcome =
  { result: 'approved' | 'rejected'; by: string; comment?: string } | { result: 'timed-out' };
export type DecisionOutcome = { result: OperatorDecision; by: string; reason?: string } | { result: 'timed-out' };
export type TaskOutcome = { result: 'completed'; by: string; note?: string } | { result: 'timed-out' };
export type HoldOutcome = 'go' | 'timed-out';

const now = (): string => new Date().toISOString();

const STATUS_WHILE_WAITING = {
  approval: 'awaiting-approval',
  decision: 'awaiting-decision',
  task: 'awaiting-task',
  pause: 'paused',
} as const;
const RESULT_OF = { decision: 'decided', task: 'completed', pause: 'resumed' } as const;

/**
 * Refusals kept in one drill's record. Past this a refused request is still refused, with its reason,
 * but no longer recorded, so a flood of bad clicks cannot grow the history without limit.
 */
export const MAX_REFUSALS_RECORDED = 200;
/** Request ids remembered per drill; a drill sees a few dozen answers, so the oldest going first never matters. */
const MAX_REQUEST_IDS = 5_000;

type Answer = Sent & { by?: string };

export class Gates {
  private resolution: Resolution | null = null;
  /** Set for drills that record refused updates: then refused signals are bounded the same way. */
  private capSignalRefusals = false;
  /** Set for drills whose answers carry their channel (cli, slack, ui), kept in the record as `via`. */
  private channels = false;
  /** Request ids of answers acted on or refused: the same answer arriving twice (a hand-over, a replay) counts once. */
  private readonly answered = new Set<string>();
  /** Set for drills that run parallel blocks, whose lanes may each need a person at once. */
  concurrentLanes = false;
  rules?: GateRules;
  timing: GateTiming = { reminderAfterMs: 15 * 60_000, timeoutMs: 8 * 3_600_000 };

  constructor(
    private readonly recorder: Recorder,
    private readonly notify: (event: DrillEvent) => Promise<Record<string, unknown> | undefined>,
  ) {}

  private get pending(): PendingAction | null {
    return this.recorder.record.pending;
  }

  /** Registers every handler; called before the workflow's first await so no message is lost. */
  register(): void {
    const record = () => this.recorder.record;
    setHandler(statusQuery, () => record(), {
      description: 'The drill record: phases, steps, approvals, decisions, RTO/RPO and what it waits for.',
    });

    // Drills from before refused updates were recorded keep refusing them in the validator, as they did.
    const recordRefusals = patched('refused-updates-recorded');
    // Drills from before answers named their channel keep recording the message kind (update, signal) as `via`.
    this.channels = patched('answers-carry-channel');
    const update = <I extends Answer>(
      action: string,
      check: (input: I) => void,
      apply: (input: I, via: Via) => HandlerResult,
    ) => ({
      handler: (input: I): HandlerResult =>
        recordRefusals
          ? this.viaUpdate(
              action,
              input,
              () => check(input),
              (via) => apply(input, via),
            )
          : apply(input, 'update'),
      validator: (input: I): void => (recordRefusals ? this.admit(input, () => check(input)) : check(input)),
    });
    const approveU = update<ApprovalInput>(
      'approve',
      (input) => checkApproval(this.rules, this.pending, input, 'approve'),
      (input, via) => this.approve(input, via),
    );
    setHandler(approveUpdate, approveU.handler, {
      validator: approveU.validator,
      description:
        'Approve the open gate. Input: { "by": "alice", "comment": "…", "gate": "approve-failover" (optional) }.',
    });
    const rejectU = update<ApprovalInput>(
      'reject',
      (input) => checkApproval(this.rules, this.pending, input, 'reject'),
      (input, via) => this.reject(input, via),
    );
    setHandler(rejectUpdate, rejectU.handler, {
      validator: rejectU.validator,
      description: 'Reject the open gate; the drill ends as rejected. Input: { "by": "alice", "comment": "why" }.',
    });
    const decideU = update<DecisionInput>(
      'decide',
      (input) => checkDecision(this.rules, this.pending, input),
      (input, via) => this.decide(input, via),
    );
    setHandler(decideUpdate, decideU.handler, {
      validator: decideU.validator,
      description:
        'Decide on a step that failed after its retries. Input: { "by": "bob", "decision": "retry" | "skip" | "abort", "reason": "…" }.',
    });
    const completeU = update<CompleteTaskInput>(
      'completeTask',
      (input) => checkTaskCompletion(this.rules, this.pending, input),
      (input, via) => this.completeTask(input, via),
    );
    setHandler(completeTaskUpdate, completeU.handler, {
      validator: completeU.validator,
      description: 'Mark the open manual task done. Input: { "by": "bob", "taskId": "<step id>", "note": "…" }.',
    });
    this.capSignalRefusals = recordRefusals;

    const pauseU = update<PauseInput>(
      'pause',
      (input) => checkPause(this.rules, this.openPause() !== undefined, input),
      (input, via) => this.pause(input, via),
    );
    setHandler(pauseUpdate, pauseU.handler, {
      validator: pauseU.validator,
      description:
        'Pause the drill: the step in flight finishes, then it holds before the next step until resumed. Input: { "by": "dave", "reason": "why" }.',
    });
    const resumeU = update<PauseInput>(
      'resume',
      (input) => checkResume(this.rules, this.openPause() !== undefined, input),
      (input) => this.resume(input),
    );
    setHandler(resumeUpdate, resumeU.handler, {
      validator: resumeU.validator,
      description:
        'Resume a paused drill (paused by a person or by a failing stop condition). Input: { "by": "dave", "reason": "…" }.',
    });

    setHandler(
      approveSignal,
      (input) =>
        this.viaSignal(
          'approve',
          input,
          () => checkApproval(this.rules, this.pending, input, 'approve'),
          (via) => this.approve(input, via),
        ),
      {
        description:
          'Same as the approve update, for clients that cannot wait for an answer (a refusal is kept in the record).',
      },
    );
    setHandler(
      rejectSignal,
      (input) =>
        this.viaSignal(
          'reject',
          input,
          () => checkApproval(this.rules, this.pending, input, 'reject'),
          (via) => this.reject(input, via),
        ),
      {
        description: 'Same as the reject update, fire-and-forget.',
      },
    );
    setHandler(
      decideSignal,
      (input) =>
        this.viaSignal(
          'decide',
          input,
          () => checkDecision(this.rules, this.pending, input),
          (via) => this.decide(input, via),
        ),
      {
        description: 'Same as the decide update, fire-and-forget.',
      },
    );
    setHandler(
      completeTaskSignal,
      (input) =>
        this.viaSignal(
          'completeTask',
          input,
          () => checkTaskCompletion(this.rules, this.pending, input),
          (via) => this.completeTask(input, via),
        ),
      {
        description: 'Same as the completeTask update, fire-and-forget.',
      },
    );
    // A pause or resume handed over while no worker answered (the CLI sends it as a signal then).
    setHandler(
      pauseSignal,
      (input) =>
        this.viaSignal(
          'pause',
          input,
          () => checkPause(this.rules, this.openPause() !== undefined, input),
          (via) => this.pause(input, via),
        ),
      {
        description: 'Same as the pause update, fire-and-forget (a refusal is kept in the record).',
      },
    );
    setHandler(
      resumeSignal,
      (input) =>
        this.viaSignal(
          'resume',
          input,
          () => checkResume(this.rules, this.openPause() !== undefined, input),
          () => this.resume(input),
        ),
      {
        description: 'Same as the resume update, fire-and-forget.',
      },
    );
  }

  async approval(
    id: string,
    phase: PhaseId | undefined,
    prompt: string,
    steps: { id: string; title: string }[],
  ): Promise<ApprovalOutcome> {
    const resolution = await this.open('approval', id, phase, prompt, { steps });
    if (!resolution) return { result: 'timed-out' };
    if (resolution.kind !== 'approval') throw new Error('gate mix-up');
    return { result: resolution.result, by: resolution.by, comment: resolution.comment };
  }

  async decision(stepId: string, phase: PhaseId, prompt: string, error: string): Promise<DecisionOutcome> {
    const resolution = await this.open('decision', stepId, phase, prompt, { error });
    if (!resolution) return { result: 'timed-out' };
    if (resolution.kind !== 'decision') throw new Error('gate mix-up');
    return { result: resolution.decision, by: resolution.by, reason: resolution.reason };
  }

  async task(stepId: string, phase: PhaseId, instructions: string): Promise<TaskOutcome> {
    this.recorder.record.tasks.push({ stepId, instructions, openedAt: now() });
    const resolution = await this.open('task', stepId, phase, instructions, {});
    if (!resolution) return { result: 'timed-out' };
    if (resolution.kind !== 'task') throw new Error('gate mix-up');
    return { result: 'completed', by: resolution.by, note: resolution.note };
  }

  /** The pause in force, if any: asked and not yet resumed. */
  openPause(): PauseRecord | undefined {
    const pauses = this.recorder.record.pauses ?? [];
    const last = pauses[pauses.length - 1];
    return last && !last.resumedAt ? last : undefined;
  }

  /** A failing stop condition pauses the drill before its next destructive step, with the condition's output. */
  pauseForStopCondition(conditionId: string, output: string): void {
    if (this.openPause()) return;
    (this.recorder.record.pauses ??= []).push({
      by: `stop-condition:${conditionId}`,
      at: now(),
      reason: output,
      cause: 'stop-condition',
    });
    this.recorder.publish();
  }

  /**
   * Before a step: when a pause is in force, hold until someone resumes (reminding as gates do); a
   * pause nobody answers within the plan's approval timeout ends the drill as timed out.
   */
  async holdIfPaused(): Promise<HoldOutcome> {
    const pause = this.openPause();
    if (!pause) return 'go';
    // Another lane of a parallel block may already hold the drill for this pause.
    if (this.pending?.kind === 'pause') {
      await condition(() => this.openPause() !== pause);
      return pause.resumedAt ? 'go' : 'timed-out';
    }
    pause.heldAt = now();
    const prompt =
      pause.cause === 'stop-condition'
        ? `Stop condition ${pause.by.replace('stop-condition:', '')} failed, so the drill holds before its next destructive step: ${pause.reason}. Resume to go on, or cancel the drill.`
        : `${pause.by} paused the drill: ${pause.reason}. It holds before its next step; resume to go on.`;
    const resolution = await this.open('pause', 'pause', undefined, prompt, {});
    if (!resolution) {
      Object.assign(pause, { resumedAt: now(), resumedBy: 'nobody', resumeReason: 'timed out' });
      return 'timed-out';
    }
    return 'go';
  }

  private pause(input: PauseInput, via: Via): HandlerResult {
    const by = input.by.trim();
    (this.recorder.record.pauses ??= []).push({ by, at: now(), reason: input.reason ?? '', cause: 'operator', via });
    this.recorder.publish();
    return {
      accepted: true,
      message: `${by} paused the drill: the step in flight finishes, then it holds until resumed`,
    };
  }

  private resume(input: PauseInput): HandlerResult {
    const pause = this.openPause() as PauseRecord;
    const by = input.by.trim();
    Object.assign(pause, { resumedBy: by, resumedAt: now(), resumeReason: input.reason });
    if (this.pending?.kind === 'pause') this.resolution = { kind: 'pause', by, reason: input.reason };
    this.recorder.publish();
    return { accepted: true, message: `${by} resumed the drill` };
  }

  private async open(
    kind: PendingKind,
    id: string,
    phase: PhaseId | undefined,
    prompt: string,
    extra: { steps?: { id: string; title: string }[]; error?: string },
  ): Promise<Resolution | null> {
    // One gate at a time: a second lane of a parallel block that needs a person waits its turn.
    if (this.concurrentLanes) await condition(() => this.recorder.record.pending === null);
    // A gate with a rule of its own (approvals.gates) has its own quorum, and says who and which roles may approve.
    const own = kind === 'approval' ? ownRuleOf(this.rules, id) : undefined;
    const quorum = kind === 'approval' ? (own?.quorum ?? this.recorder.record.plan?.quorum ?? 1) : 1;
    const pending: PendingAction = {
      kind,
      id,
      phase,
      prompt,
      since: now(),
      approvedBy: [],
      quorum,
      error: extra.error,
      ...(own ? { approvers: own.approvers, ...(own.roles.length ? { roles: own.roles } : {}) } : {}),
    };
    this.resolution = null;
    this.recorder.record.pending = pending;
    this.recorder.setStatus(STATUS_WHILE_WAITING[kind]);
    pending.refs = await this.notify({
      type: 'gate-opened',
      record: headlineOf(this.recorder.record),
      pending,
      steps: extra.steps ?? [],
    });

    const resolution = await this.waitWithReminders(pending);
    this.recorder.record.pending = null;
    this.recorder.setStatus('running');
    const result = !resolution
      ? 'timed-out'
      : resolution.kind === 'approval'
        ? resolution.result
        : RESULT_OF[resolution.kind];
    this.recorder.gateClosed(pending, result, resolution?.by);
    await this.notify({
      type: 'gate-closed',
      record: headlineOf(this.recorder.record),
      pending,
      result,
      by: resolution?.by,
    });
    return resolution;
  }

  /** Waits for a resolution; reminds every `reminderAfterMs`; gives up after `timeoutMs`. */
  private async waitWithReminders(pending: PendingAction): Promise<Resolution | null> {
    const { reminderAfterMs, timeoutMs } = this.timing;
    const openedAt = Date.now();
    const deadline = openedAt + timeoutMs;
    let nextReminder = openedAt + reminderAfterMs;
    // Bounded: every pass either resolves, sends one reminder, or reaches the deadline.
    const maxPasses = Math.ceil(timeoutMs / Math.max(reminderAfterMs, 1)) + 2;
    for (let pass = 0; pass < maxPasses; pass++) {
      const wakeAt = Math.min(deadline, nextReminder);
      if (await condition(() => this.resolution !== null, Math.max(wakeAt - Date.now(), 1))) return this.resolution;
      if (Date.now() >= deadline) return null;
      if (Date.now() >= nextReminder) {
        this.recorder.record.reminders.push({ id: pending.id, at: now() });
        await this.notify({
          type: 'gate-reminder',
          record: headlineOf(this.recorder.record),
          pending,
          waitingMs: Date.now() - openedAt,
        });
        nextReminder += reminderAfterMs;
      }
    }
    return this.resolution;
  }

  private approve(input: ApprovalInput, via: Via): HandlerResult {
    const pending = this.pending as PendingAction;
    const by = input.by.trim();
    pending.approvedBy.push(by);
    this.recorder.record.approvals.push({
      gate: pending.id,
      decision: 'approved',
      by,
      at: now(),
      comment: input.comment,
      via,
    });
    const missing = pending.quorum - pending.approvedBy.length;
    if (missing <= 0) this.resolution = { kind: 'approval', result: 'approved', by, comment: input.comment };
    this.recorder.publish();
    return {
      accepted: true,
      message:
        missing > 0
          ? `${by} approved ${pending.id}; ${missing} more approval(s) needed`
          : `${by} approved ${pending.id}; the drill goes on`,
    };
  }

  private reject(input: ApprovalInput, via: Via): HandlerResult {
    const pending = this.pending as PendingAction;
    const by = input.by.trim();
    this.recorder.record.approvals.push({
      gate: pending.id,
      decision: 'rejected',
      by,
      at: now(),
      comment: input.comment,
      via,
    });
    this.resolution = { kind: 'approval', result: 'rejected', by, comment: input.comment };
    return { accepted: true, message: `${by} rejected ${pending.id}; the drill stops` };
  }

  private decide(input: DecisionInput, via: Via): HandlerResult {
    const pending = this.pending as PendingAction;
    const by = input.by.trim();
    this.recorder.record.decisions.push({
      stepId: pending.id,
      decision: input.decision,
      by,
      at: now(),
      reason: input.reason,
      via,
    });
    this.resolution = { kind: 'decision', decision: input.decision, by, reason: input.reason };
    return { accepted: true, message: `${by} chose to ${input.decision} ${pending.id}` };
  }

  private completeTask(input: CompleteTaskInput, via: Via): HandlerResult {
    const pending = this.pending as PendingAction;
    const by = input.by.trim();
    const task = this.recorder.record.tasks.find((t) => t.stepId === pending.id && !t.completedAt);
    if (task) Object.assign(task, { completedBy: by, completedAt: now(), note: input.note, via });
    this.resolution = { kind: 'task', by, note: input.note };
    return { accepted: true, message: `${by} completed ${pending.id}` };
  }

  /** The door an answer came through: its channel (none named: the Temporal UI), or for older drills the message kind. */
  private viaOf(input: Answer | undefined, kind: 'update' | 'signal'): Via {
    if (!this.channels) return kind;
    const channel = input?.channel;
    return CHANNELS.includes(channel as Channel) ? (channel as Channel) : 'ui';
  }

  /** Whether this answer was acted on or refused already (same request id). Only answers that carry an id are ever matched. */
  private alreadyAnswered(input: Answer | undefined): boolean {
    const id = input?.requestId;
    return typeof id === 'string' && this.answered.has(id);
  }

  private markAnswered(input: Answer | undefined): void {
    const id = input?.requestId;
    if (typeof id !== 'string') return;
    if (this.answered.size >= MAX_REQUEST_IDS) this.answered.delete(this.answered.values().next().value as string);
    this.answered.add(id);
  }

  /** The rules of the gate, and for drills whose answers carry a channel, that the channel is one Drillbook knows. */
  private judge(input: Answer | undefined, check: () => void): void {
    if (this.channels) checkChannel(input?.channel);
    check();
  }

  /**
   * A signal cannot answer its sender, so a refused one is kept in the record for people to see. An
   * answer already taken by its id (its update got through after all, or a replay) changes nothing.
   */
  private viaSignal(action: string, input: Answer, check: () => void, apply: (via: Via) => HandlerResult): void {
    if (this.alreadyAnswered(input)) return;
    const via = this.viaOf(input, 'signal');
    try {
      this.judge(input, check);
    } catch (error) {
      this.markAnswered(input);
      if (this.capSignalRefusals && this.recorder.record.refusals.length >= MAX_REFUSALS_RECORDED) return;
      this.recorder.record.refusals.push({
        at: now(),
        by: String(input?.by ?? 'unknown'),
        action,
        reason: (error as Error).message,
        via,
      });
      this.recorder.publish();
      return;
    }
    this.markAnswered(input);
    apply(via);
  }

  /**
   * An update's validator lets a named caller's request into history even when it will be refused,
   * so the handler can keep the refusal as evidence. It refuses at once (unrecorded) a request that
   * names nobody, and any refused request once the record holds MAX_REFUSALS_RECORDED of them.
   */
  private admit(input: Answer, check: () => void): void {
    requireName(input?.by);
    // The same answer again (handed over as a signal and taken first, or a replay): refused unrecorded, so nothing counts twice.
    if (this.alreadyAnswered(input))
      throw new Error(`this answer (request ${input.requestId}) was recorded already; nothing was done twice`);
    if (this.recorder.record.refusals.length < MAX_REFUSALS_RECORDED) return;
    this.judge(input, check);
  }

  /** Runs an admitted update: a refusal is recorded (who, what, why, when) and sent back to the caller. */
  private viaUpdate(
    action: string,
    input: Answer,
    check: () => void,
    apply: (via: Via) => HandlerResult,
  ): HandlerResult {
    if (this.alreadyAnswered(input))
      return {
        accepted: true,
        message: `this answer (request ${input.requestId}) was recorded already; nothing was done twice`,
      };
    const via = this.viaOf(input, 'update');
    try {
      this.judge(input, check);
    } catch (error) {
      this.markAnswered(input);
      const reason = (error as Error).message;
      this.recorder.record.refusals.push({ at: now(), by: requireName(input?.by), action, reason, via });
      this.recorder.publish();
      throw ApplicationFailure.create({ message: reason, type: 'Refused', nonRetryable: true });
    }
    this.markAnswered(input);
    return apply(via);
  }
}
