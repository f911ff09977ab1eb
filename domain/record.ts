/** The drill record: what happened, who decided what, and the RTO and RPO measured. */
import type { DrillMode, PhaseId } from './phases';
import type { PrecheckResult } from './readiness';
import type { AttachedEvidence, SiteLoss } from './siteLoss';
import type { Step } from './steps';

export interface DrillInput {
  target: string;
  mode?: DrillMode;
  requestedBy: string;
  /** A plan's YAML text, when the starter holds a file the workers may not have. */
  planYaml?: string;
  /** Why this drill runs (a ticket, "Q3 DR test"); kept in the record. */
  reason?: string;
  /** A failover's site loss as its starter declares it (`--lost-at`); only in failover mode. */
  siteLoss?: SiteLoss;
}

export type DrillStatus =
  | 'loading'
  | 'running'
  | 'awaiting-approval'
  | 'awaiting-decision'
  | 'awaiting-task'
  | 'paused'
  | 'succeeded'
  | 'rejected'
  | 'aborted'
  | 'timed-out'
  | 'cancelled'
  /** Refused at its start (wrong workflow ID, bad input, invalid plan): nothing ran. */
  | 'refused';

export const FINAL_STATUSES: readonly DrillStatus[] = [
  'succeeded',
  'rejected',
  'aborted',
  'timed-out',
  'cancelled',
  'refused',
];

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'best-effort-failed';

/** A step as the record keeps it: what the runbook said, and what happened when it ran. */
export interface StepRecord extends Pick<
  Step,
  'id' | 'phase' | 'title' | 'action' | 'component' | 'site' | 'destructive' | 'block' | 'lane'
> {
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  /** Activity attempts of the last run (Temporal retries included). */
  attempts: number;
  /** How often the step was scheduled: 1, plus one per operator "retry". */
  runs: number;
  /** Milliseconds spent inside the activity's last attempt, to tell machine time from orchestration. */
  activityMs?: number;
  summary?: string;
  facts?: Record<string, unknown>;
  error?: string;
  /** Earlier runs of a step an operator chose to retry: the report shows the failures too. */
  previousRuns?: StepRun[];
}

export interface StepRun {
  startedAt: string;
  endedAt?: string;
  status: StepStatus;
  attempts: number;
  error?: string;
}

export interface PhaseRecord {
  id: PhaseId;
  title: string;
  status: 'pending' | 'awaiting-approval' | 'running' | 'done' | 'not-run';
  startedAt?: string;
  endedAt?: string;
}

/** The door a person's answer came through: Drillbook's CLI, its Slack endpoint, or the Temporal UI (any client that names none). */
export type Channel = 'cli' | 'slack' | 'ui';
export const CHANNELS: readonly Channel[] = ['cli', 'slack', 'ui'];

/**
 * How an answer reached the drill: its channel; in records from before answers carried one, the
 * Temporal message kind (an update or a signal), which cannot tell Slack from the CLI or the UI.
 */
export type Via = 'update' | 'signal' | Channel;

export interface ApprovalRecord {
  gate: string;
  decision: 'approved' | 'rejected';
  by: string;
  at: string;
  comment?: string;
  via: Via;
}

export type OperatorDecision = 'retry' | 'skip' | 'abort';

export interface DecisionRecord {
  stepId: string;
  decision: OperatorDecision;
  by: string;
  at: string;
  reason?: string;
  via: Via;
}

export interface TaskRecord {
  stepId: string;
  instructions: string;
  openedAt: string;
  completedBy?: string;
  completedAt?: string;
  note?: string;
  via?: Via;
}

/** A request the drill refused: who asked, what, why it was refused, when, and by which door. */
export interface RefusalRecord {
  at: string;
  by: string;
  action: string;
  reason: string;
  /** Absent in records from before refused updates were kept. */
  via?: Via;
}

/** What a drill waits for: an approval, an operator's decision on a failed step, a manual task, or a resume after a pause. */
export type PendingKind = 'approval' | 'decision' | 'task' | 'pause';

/**
 * A pause: asked by a person (who, why), or by a stop condition that failed (its output). The drill
 * finishes the step in flight and holds before the next one until someone resumes it.
 */
export interface PauseRecord {
  by: string;
  at: string;
  reason: string;
  cause: 'operator' | 'stop-condition';
  via?: Via;
  /** When the drill stopped before its next step (the step in flight had finished). */
  heldAt?: string;
  resumedBy?: string;
  resumedAt?: string;
  resumeReason?: string;
}

/**
 * The drill moved to another worker build: a newer build replayed its history cleanly while no
 * worker of its own build polled, and pinned it to itself (src/adoption.ts).
 */
export interface AdoptionRecord {
  from: string;
  to: string;
  /** How many history events the new build replayed without a determinism error. */
  events: number;
  at: string;
  /** The adopting worker's identity. */
  by: string;
  /** "moved from build A to build B after a clean replay of N events" */
  summary: string;
}

export interface PendingAction {
  kind: PendingKind;
  /** Gate id for approvals, step id for decisions and tasks. */
  id: string;
  phase?: PhaseId;
  prompt: string;
  since: string;
  /** Approvals collected so far towards the plan's quorum. */
  approvedBy: string[];
  quorum: number;
  /** Who may approve this gate, when its rule is its own (approvals.gates); absent: every approver of the plan. */
  approvers?: string[];
  /** Roles that must each approve this gate, by different people. */
  roles?: string[];
  /** The last error, for a decision. */
  error?: string;
  /** Where notifiers posted about this gate (a Slack channel and message ts), to thread and edit. */
  refs?: Record<string, unknown>;
}

/** One closed gate: how long the drill waited for people, for the report's timeline. */
export interface WaitRecord {
  kind: PendingKind;
  /** Gate id for approvals, step id for decisions and tasks. */
  id: string;
  phase?: PhaseId;
  from: string;
  to: string;
  result: 'approved' | 'rejected' | 'completed' | 'decided' | 'resumed' | 'timed-out';
  by?: string;
}

export interface Measurement {
  measuredMs?: number;
  objectiveMs?: number;
  met?: boolean;
  from?: string;
  to?: string;
  /** How it was measured, in one sentence an auditor can check. */
  evidence: string;
}

export interface DrillPlanSummary {
  platform: string;
  description?: string;
  sites: { primary: string; secondary: string };
  approvers: string[];
  fourEyes: boolean;
  quorum: number;
  /** Gates with rules of their own (`failover: 2 of alice, bob, one per role: dba, change-manager`); absent when none. */
  gateRules?: string[];
  objectives: { rtoMs?: number; rpoMs?: number; protectionMs?: number };
  /** Where the drill talks to people on Slack, and the Slack user id of each approver or operator by name. */
  slack?: { channel: string; users: Record<string, string> };
}

export interface DrillRecord {
  drillId: string;
  target: string;
  mode: DrillMode;
  requestedBy: string;
  reason?: string;
  startedAt: string;
  endedAt?: string;
  status: DrillStatus;
  currentPhase?: PhaseId;
  plan?: DrillPlanSummary;
  phases: PhaseRecord[];
  steps: StepRecord[];
  approvals: ApprovalRecord[];
  decisions: DecisionRecord[];
  tasks: TaskRecord[];
  refusals: RefusalRecord[];
  reminders: { id: string; at: string }[];
  /** The last result of each stop condition. */
  stopConditions?: { id: string; title: string; ok: boolean; at: string; output: string }[];
  /** Pauses asked by people or by stop conditions; absent in records from before pausing existed. */
  pauses?: PauseRecord[];
  /** Every span the drill waited for people; absent in records from before it was kept. */
  waits?: WaitRecord[];
  /** Moves to another worker build; absent in records from before adoption existed. */
  adoptions?: AdoptionRecord[];
  pending: PendingAction | null;
  rto?: Measurement;
  rpo?: Measurement;
  /** Time to protection: from the first stop until the test indicator is served on the new site (tip.protection). */
  protection?: Measurement;
  /** An outage's loss of the primary site: declared at start, or detected (and by what); absent in planned drills. */
  siteLoss?: SiteLoss;
  /** What clients writing through the service saw (`drillbook evidence`): the truth beside the drill's own figures. */
  clientEvidence?: AttachedEvidence[];
  /** One sentence: how the drill ended and why. */
  outcome?: string;
}

/** The few facts about a drill that every notification needs; kept small so histories stay small. */
export type DrillHeadline = Pick<
  DrillRecord,
  'drillId' | 'target' | 'mode' | 'requestedBy' | 'reason' | 'startedAt' | 'status' | 'currentPhase' | 'plan'
>;

export const headlineOf = (record: DrillRecord): DrillHeadline => {
  const { drillId, target, mode, requestedBy, reason, startedAt, status, currentPhase, plan } = record;
  return { drillId, target, mode, requestedBy, reason, startedAt, status, currentPhase, plan };
};

/**
 * What the workflow tells the people around a drill (a log line today; Slack and other channels
 * plug in behind the `notify` activity). Notifications never hold a drill up. Only the last event
 * carries the whole record, for the report.
 */
export type DrillEvent =
  | { type: 'drill-started'; record: DrillHeadline }
  | { type: 'phase-started'; record: DrillHeadline; phase: PhaseId }
  | { type: 'gate-opened'; record: DrillHeadline; pending: PendingAction; steps: { id: string; title: string }[] }
  | { type: 'gate-reminder'; record: DrillHeadline; pending: PendingAction; waitingMs: number }
  | { type: 'gate-closed'; record: DrillHeadline; pending: PendingAction; result: WaitRecord['result']; by?: string }
  | { type: 'drill-ended'; record: DrillRecord }
  /** A readiness precheck found new drifts, or all cleared; sent once per change, not every run. */
  | { type: 'readiness-changed'; result: PrecheckResult; previous?: PrecheckResult; slackChannel?: string };
