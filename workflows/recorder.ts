/**
 * Keeps the drill record and mirrors it where people look: the `status` query, the Temporal UI's
 * current details and the search attributes.
 */
import { patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { DrillMode, DrillOutcome, DrillPhase, DrillTarget } from './searchAttributes';
import * as metrics from './metrics';
import { shareRecordDuringReplay } from './sinks';
import {
  canaryWritten,
  lossAtStart,
  lossSeenBy,
  lossWords,
  replicatedOf,
  rpoFromReplicated,
  type Replicated,
} from './outage';
import { gateRulesDescribed } from '../domain';
import type {
  DrillInput,
  DrillPlanSummary,
  DrillRecord,
  DrillStatus,
  Measurement,
  PendingAction,
  PhaseId,
  Plan,
  SiteLoss,
  Runbook,
  RunbookPhase,
  Step,
  StepFailureDetails,
  StepOutcome,
  StepRecord,
  WaitRecord,
} from '../domain';

const now = (): string => new Date().toISOString();

/** What a step may report so the drill can state its RPO (issue: canary rows, replication lag). */
export interface RpoEvidence {
  /** Data that would be lost, in ms of writes; 0 when the canary arrived and nothing lagged. */
  dataLossMs?: number;
  canaryFound?: boolean;
  detail: string;
}

/** A switch and the check phase after it give one RPO. */
const SWITCH_OF: Partial<Record<PhaseId, string>> = {
  failover: 'failover',
  'failover-check': 'failover',
  failback: 'failback',
  'failback-check': 'failback',
};

export class Recorder {
  readonly record: DrillRecord;
  private readonly stepMarks = new Map<string, Step['marks']>();
  private rpoPhase?: PhaseId;
  /**
   * A failover drill begun with the outage figures (patch 'outage-figures'): RTO from the loss, RPO
   * from what the new side holds, canaries the dead side could not take deciding nothing.
   */
  private outage = false;
  /** In an outage, the canaries' RPO is kept aside: what the new side holds decides when a step reports it. */
  private canaryRpo?: Measurement;
  private readonly replicated = new Map<string, Replicated>();

  constructor(drillId: string, input: DrillInput) {
    this.record = {
      drillId,
      target: input.target,
      mode: input.mode ?? 'drill',
      requestedBy: input.requestedBy,
      reason: input.reason,
      startedAt: now(),
      status: 'loading',
      phases: [],
      steps: [],
      approvals: [],
      decisions: [],
      tasks: [],
      refusals: [],
      reminders: [],
      waits: [],
      pending: null,
    };
    upsertSearchAttributes([
      { key: DrillTarget, value: input.target },
      { key: DrillMode, value: this.record.mode },
      { key: DrillOutcome, value: 'running' },
    ]);
    this.publish();
  }

  planLoaded(plan: Plan, runbook: Runbook): void {
    const { approvals, objectives, sites } = plan;
    this.record.plan = {
      platform: plan.platform,
      description: plan.description,
      sites: { primary: sites.primary.name, secondary: sites.secondary.name },
      approvers: approvals.approvers.map((a) => a.id),
      fourEyes: approvals.fourEyes,
      quorum: approvals.quorum,
      // Only plans with approvals.gates, which no drill before them had: their records alone change.
      ...(approvals.gates ? { gateRules: gateRulesDescribed(approvals) } : {}),
      objectives: {
        rtoMs: objectives.rto,
        rpoMs: objectives.rpo,
        ...(objectives.protection !== undefined ? { protectionMs: objectives.protection } : {}),
      },
      slack: slackOf(plan),
    };
    this.record.phases = runbook.phases.map((p) => ({ id: p.id, title: p.title, status: 'pending' }));
    this.record.steps = runbook.phases.flatMap((p) => p.steps.map(pendingStep));
    for (const step of runbook.phases.flatMap((p) => p.steps)) this.stepMarks.set(step.id, step.marks);
    this.setStatus('running');
  }

  /** A failover drill with the outage figures: its loss as declared at start, else detected as it runs. */
  outageBegan(declared: SiteLoss | undefined): void {
    this.outage = true;
    if (declared) this.record.siteLoss = declared;
    this.publish();
  }

  /** Phases that join a drill late: the way back after an abort. Steps already listed are reused. */
  addPhases(phases: RunbookPhase[]): void {
    for (const phase of phases) {
      if (!this.record.phases.some((p) => p.id === phase.id))
        this.record.phases.push({ id: phase.id, title: phase.title, status: 'pending' });
      for (const step of phase.steps) {
        if (!this.record.steps.some((s) => s.id === step.id)) this.record.steps.push(pendingStep(step));
        this.stepMarks.set(step.id, step.marks);
      }
    }
    this.publish();
  }

  /** Steps the drill runs beyond its phases: the runbook's cleanup at its ending. */
  addSteps(steps: Step[]): void {
    for (const step of steps) {
      if (!this.record.steps.some((s) => s.id === step.id)) this.record.steps.push(pendingStep(step));
      this.stepMarks.set(step.id, step.marks);
    }
    this.publish();
  }

  /** The plan could not be loaded or is invalid: nothing ran. */
  planRefused(reason: string, onRecord = false): void {
    this.record.outcome = `No step ran: ${reason}`;
    upsertSearchAttributes([{ key: DrillOutcome, value: 'invalid-plan' }]);
    if (onRecord) Object.assign(this.record, { status: 'refused', endedAt: now() });
    this.publish();
  }

  /** The drill refused to start (a wrong workflow ID, bad input): nothing ran, and status and lists say so with the reason. */
  startRefused(reason: string): void {
    Object.assign(this.record, { status: 'refused', outcome: `Refused, nothing ran: ${reason}`, endedAt: now() });
    upsertSearchAttributes([{ key: DrillOutcome, value: 'refused' }]);
    this.publish();
  }

  /** A gate closed: keep how long people took, so the report can tell their time from the machine's. */
  gateClosed(pending: PendingAction, result: WaitRecord['result'], by?: string): void {
    const wait: WaitRecord = {
      kind: pending.kind,
      id: pending.id,
      phase: pending.phase,
      from: pending.since,
      to: now(),
      result,
      by,
    };
    this.record.waits?.push(wait);
    metrics.gateClosed(wait);
  }

  setStatus(status: DrillStatus): void {
    this.record.status = status;
    this.publish();
  }

  phaseStarted(phase: PhaseId, status: 'awaiting-approval' | 'running'): void {
    const entry = this.phase(phase);
    entry.status = status;
    if (status === 'running') entry.startedAt ??= now();
    this.record.currentPhase = phase;
    upsertSearchAttributes([{ key: DrillPhase, value: phase }]);
    this.publish();
  }

  phaseEnded(phase: PhaseId): void {
    const entry = this.phase(phase);
    entry.status = 'done';
    entry.endedAt = now();
    this.publish();
  }

  step(id: string): StepRecord {
    const found = this.record.steps.find((s) => s.id === id);
    if (!found) throw new Error(`no step ${id} in the record`);
    return found;
  }

  stepStarted(step: Step): StepRecord {
    const entry = this.step(step.id);
    if (entry.startedAt)
      (entry.previousRuns ??= []).push({
        startedAt: entry.startedAt,
        endedAt: entry.endedAt,
        status: entry.status,
        attempts: entry.attempts,
        error: entry.error,
      });
    entry.status = 'running';
    entry.runs += 1;
    entry.startedAt = now();
    entry.endedAt = undefined;
    entry.error = undefined;
    this.publish();
    return entry;
  }

  stepSucceeded(step: Step, outcome: StepOutcome): void {
    const entry = this.step(step.id);
    Object.assign(entry, {
      status: 'succeeded',
      endedAt: now(),
      attempts: outcome.attempt,
      summary: outcome.summary,
      facts: outcome.facts,
      activityMs: Date.parse(outcome.endedAt) - Date.parse(outcome.startedAt),
    });
    metrics.stepEnded(step.action, 'succeeded', entry.startedAt, entry.endedAt);
    const evidence = outcome.facts.rpoEvidence as RpoEvidence | undefined;
    if (evidence) this.recordRpo(this.outage ? this.canaryInOutage(evidence, entry) : evidence, step.phase);
    if (this.outage) this.noteReplicated(entry);
    this.measureRto();
    this.measureProtection(entry);
    this.publish();
  }

  /** A manual task done by a person: no activity, no attempts. */
  stepDoneByPerson(step: Step, by: string, note?: string): void {
    Object.assign(this.step(step.id), {
      status: 'succeeded',
      endedAt: now(),
      attempts: 1,
      summary: `${by} completed: ${step.title}${note ? ` (${note})` : ''}`,
    });
    this.publish();
  }

  stepFailed(step: Step, message: string, details: StepFailureDetails | undefined, bestEffort: boolean): void {
    const entry = this.step(step.id);
    Object.assign(entry, {
      status: bestEffort ? 'best-effort-failed' : 'failed',
      endedAt: now(),
      attempts: details?.attempt ?? step.retry.maximumAttempts,
      error: message,
      facts: details?.facts as Record<string, unknown> | undefined,
      summary: bestEffort ? `${step.title} failed and was passed over (the site may be gone): ${message}` : undefined,
    });
    metrics.stepEnded(step.action, entry.status, entry.startedAt, entry.endedAt);
    if (this.outage && step.site === 'primary' && !this.record.siteLoss && !this.record.rto) {
      this.record.siteLoss = lossSeenBy(entry, message, this.record.plan?.sites.primary ?? 'the primary');
      this.settleOutageRpo();
    }
    this.protectionMissed(entry, message);
    this.publish();
  }

  stepSkipped(step: Step, by: string, reason: string): void {
    const entry = this.step(step.id);
    Object.assign(entry, { status: 'skipped', endedAt: now(), summary: `Skipped by ${by}: ${reason}` });
    this.publish();
  }

  finish(status: DrillStatus, outcome: string): DrillRecord {
    // An outage that never saw its loss: the drill's start is when it knew.
    if (this.outage && !this.record.siteLoss) {
      this.record.siteLoss = lossAtStart(this.record);
      this.settleOutageRpo();
    }
    this.record.status = status;
    this.record.outcome = outcome;
    this.record.endedAt = now();
    this.record.pending = null;
    for (const phase of this.record.phases)
      if (phase.status === 'pending' || phase.status === 'awaiting-approval') phase.status = 'not-run';
    upsertSearchAttributes([{ key: DrillOutcome, value: status }]);
    metrics.drillEnded(this.record);
    this.publish();
    return this.record;
  }

  publish(): void {
    setCurrentDetails(renderDetails(this.record));
    shareRecordDuringReplay(this.record);
  }

  private phase(id: PhaseId) {
    const entry = this.record.phases.find((p) => p.id === id);
    if (!entry) throw new Error(`no phase ${id} in the record`);
    return entry;
  }

  /**
   * RPO is that of the first switch (the failover in a drill): later switches' canaries do not
   * overwrite it, and several data components in that switch combine to the worst of them. The
   * switch's evidence comes from its own phase (a promote's catch-up) and from the check phase after
   * it (canaries found on the new side: a database row, a shared-storage file).
   */
  private recordRpo(evidence: RpoEvidence, phase: PhaseId): void {
    const previous = this.outage ? this.canaryRpo : this.record.rpo;
    if (
      previous &&
      this.rpoPhase !== phase &&
      !(
        SWITCH_OF[phase] !== undefined &&
        SWITCH_OF[phase] === SWITCH_OF[this.rpoPhase as PhaseId] &&
        patched('rpo-switch-with-its-check')
      )
    )
      return;
    this.rpoPhase ??= phase;
    const objectiveMs = this.record.plan?.objectives.rpoMs;
    const losses = [previous?.measuredMs, evidence.dataLossMs].filter((ms): ms is number => ms !== undefined);
    const measuredMs = losses.length ? Math.max(...losses) : undefined;
    const canaryLost = evidence.canaryFound === false || previous?.met === false;
    const met = canaryLost
      ? false
      : measuredMs !== undefined && objectiveMs !== undefined
        ? measuredMs <= objectiveMs
        : undefined;
    const rpo: Measurement = {
      measuredMs,
      objectiveMs,
      met,
      evidence: previous ? `${previous.evidence}; ${evidence.detail}` : evidence.detail,
    };
    if (!this.outage) this.record.rpo = rpo;
    else {
      this.canaryRpo = rpo;
      this.settleOutageRpo();
    }
  }

  /**
   * A canary the drill looked for on the new side in an outage: when none was ever written (the
   * primary was gone before the drill could), its absence says nothing about lost writes.
   */
  private canaryInOutage(evidence: RpoEvidence, entry: StepRecord): RpoEvidence {
    if (evidence.canaryFound !== false || canaryWritten(this.record, entry.component)) return evidence;
    return { detail: `${entry.component ?? entry.id}: canary not written: the primary was lost` };
  }

  /** A step's `newestReplicatedAt`: per component the newest the new side holds of the lost primary. */
  private noteReplicated(entry: StepRecord): void {
    const found = replicatedOf(entry);
    if (!found) return;
    const known = this.replicated.get(found.component);
    if (!known || Date.parse(found.at) > Date.parse(known.at)) this.replicated.set(found.component, found);
    this.settleOutageRpo();
  }

  /** An outage's RPO: from what the new side holds when a step said so, else the canaries' (never deciding on one not written). */
  private settleOutageRpo(): void {
    const loss = this.record.siteLoss;
    if (!this.replicated.size || !loss) {
      if (this.canaryRpo) this.record.rpo = this.canaryRpo;
      return;
    }
    const notes = this.canaryRpo ? [this.canaryRpo.evidence] : [];
    this.record.rpo = rpoFromReplicated(
      [...this.replicated.values()],
      loss,
      this.record.plan?.objectives.rpoMs,
      this.record.plan?.sites.secondary ?? 'the new side',
      notes,
    );
  }

  /**
   * RTO: from the first stop of the old side to the first successful health check on the new one;
   * in an outage, from the loss (declared, or detected) until that check: the new site serves.
   */
  private measureRto(): void {
    const end = this.record.steps.find((s) => this.marks(s.id).includes('rto-end') && s.status === 'succeeded');
    if (this.outage) {
      if (end?.endedAt && !this.record.rto) this.measureOutageRto(end, end.endedAt);
      return;
    }
    const start = this.record.steps.find((s) => this.marks(s.id).includes('rto-start') && s.startedAt);
    if (!start?.startedAt || !end?.endedAt || this.record.rto) return;
    const measuredMs = Date.parse(end.endedAt) - Date.parse(start.startedAt);
    const objectiveMs = this.record.plan?.objectives.rtoMs;
    const rto: Measurement = {
      measuredMs,
      objectiveMs,
      met: objectiveMs === undefined ? undefined : measuredMs <= objectiveMs,
      from: start.startedAt,
      to: end.endedAt,
      evidence: `from the start of "${start.title}" to the end of "${end.title}"`,
    };
    this.record.rto = rto;
  }

  private measureOutageRto(end: StepRecord, endedAt: string): void {
    if (!this.record.siteLoss) {
      this.record.siteLoss = lossAtStart(this.record);
      this.settleOutageRpo();
    }
    const loss = this.record.siteLoss;
    const measuredMs = Math.max(0, Date.parse(endedAt) - loss.at);
    const objectiveMs = this.record.plan?.objectives.rtoMs;
    this.record.rto = {
      measuredMs,
      objectiveMs,
      met: objectiveMs === undefined ? undefined : measuredMs <= objectiveMs,
      from: new Date(loss.at).toISOString(),
      to: endedAt,
      evidence: `from the loss of ${this.record.plan?.sites.primary ?? 'the primary'} (${lossWords(loss)}) to the end of "${end.title}", the first check that saw ${this.record.plan?.sites.secondary ?? 'the new site'} serve`,
    };
  }

  /**
   * Time to protection: from the first stop of the old side (the RTO's start) to the end of the check
   * that found the drill's test indicator served on the new side. Runbooks with such a check are newer
   * than the marker, so drills from before it never reach here.
   */
  private measureProtection(end: StepRecord): void {
    if (
      !this.marks(end.id).includes('protection-end') ||
      this.record.protection?.measuredMs !== undefined ||
      !patched('tip-protection')
    )
      return;
    const start = this.record.steps.find((s) => this.marks(s.id).includes('rto-start') && s.startedAt);
    if (!start?.startedAt || !end.endedAt) return;
    const measuredMs = Date.parse(end.endedAt) - Date.parse(start.startedAt);
    const objectiveMs = this.record.plan?.objectives.protectionMs;
    const ip = typeof end.facts?.ip === 'string' ? `the test indicator ${end.facts.ip}` : 'the test indicator';
    this.record.protection = {
      measuredMs,
      objectiveMs,
      met: objectiveMs === undefined ? undefined : measuredMs <= objectiveMs,
      from: start.startedAt,
      to: end.endedAt,
      evidence: `from the start of "${start.title}" to the end of "${end.title}" (${ip} served where consumers read it)`,
    };
  }

  /** The check never found the indicator served: protection did not return within its wait (a retry that finds it measures it then). */
  private protectionMissed(entry: StepRecord, message: string): void {
    if (
      !this.marks(entry.id).includes('protection-end') ||
      this.record.protection?.measuredMs !== undefined ||
      !patched('tip-protection')
    )
      return;
    const objectiveMs = this.record.plan?.objectives.protectionMs;
    this.record.protection = {
      objectiveMs,
      met: false,
      evidence: `the test indicator was not found served on the new site: ${message}`,
    };
  }

  /** A check whose success means the new site serves (the RTO's end). */
  readonly sawServe = (step: StepRecord): boolean => this.marks(step.id).includes('rto-end');

  private marks(id: string): Step['marks'] {
    return this.stepMarks.get(id) ?? [];
  }
}

/** Approvers' Slack ids from the plan, plus the other people the plan names for Slack. */
function slackOf(plan: Plan): DrillPlanSummary['slack'] {
  // Plans loaded before `notifications` existed (recorded histories) lack the field.
  const slack = plan.notifications?.slack;
  if (!slack) return undefined;
  const users: Record<string, string> = { ...slack.users };
  for (const approver of plan.approvals.approvers) if (approver.slack) users[approver.id] = approver.slack;
  return { channel: slack.channel, users };
}

function pendingStep(step: Step): StepRecord {
  const { id, phase, title, action, component, site, destructive, block, lane } = step;
  // Block and lane only when the step runs beside others, so the report can show what overlapped.
  return {
    id,
    phase,
    title,
    action,
    component,
    site,
    destructive,
    ...(block === undefined ? {} : { block, lane }),
    status: 'pending',
    attempts: 0,
    runs: 0,
  };
}

/** The Markdown the Temporal UI shows as the workflow's current details. */
function renderDetails(record: DrillRecord): string {
  const done = record.steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length;
  const lines = [`**${record.mode} of ${record.target}**, started by ${record.requestedBy}: ${record.status}`, ''];
  if (record.currentPhase)
    lines.push(`Phase: **${record.currentPhase}**, ${done} of ${record.steps.length} steps done`);
  if (record.pending)
    lines.push('', `Waiting for ${record.pending.kind} \`${record.pending.id}\`: ${record.pending.prompt}`);
  const running = record.steps.find((s) => s.status === 'running');
  if (running) lines.push('', `Running: ${running.title}`);
  if (record.outcome) lines.push('', record.outcome);
  return lines.join('\n');
}
