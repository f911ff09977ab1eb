/** Steps and the runbook: what a drill will run, compiled from a plan and kept in the drill's history. */
import type { ActionArgs, StepAction } from './actions';
import type { DrillMode, PhaseId } from './phases';
import type { SiteRole } from './sites';

export interface RetrySpec {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

/** Markers a step can carry so the workflow can measure RTO without knowing component kinds. */
export type StepMark = 'rto-start' | 'rto-end' | 'protection-end';

interface StepCommon {
  /** Unique in the runbook, e.g. `failover.app.stop.primary`. */
  id: string;
  phase: PhaseId;
  /** The segment of the phase it belongs to (`guard`, `stop`, …). Absent in runbooks compiled before it was kept. */
  segment?: string;
  /** One plain sentence a person reads in the log and the report. */
  title: string;
  component?: string;
  site?: SiteRole;
  retry: RetrySpec;
  timeoutMs: number;
  heartbeatTimeoutMs: number;
  /** Changes the world (stop, promote, switch traffic): only after its phase is approved. */
  destructive: boolean;
  /** A failure is recorded and the drill goes on: a real outage where the primary may be gone. */
  bestEffort: boolean;
  marks: StepMark[];
  /**
   * Steps sharing a block number (consecutive in the phase) run at once, one lane after another within
   * each lane (a component's own steps stay in order). Absent: the step runs alone.
   */
  block?: number;
  lane?: string;
  /** Where in the plan file this step comes from (`components.db`), for drift sentences. */
  planPath?: string;
  /**
   * A check that changes nothing (a component's HTTP or command health check, the check that the old
   * side no longer answers, a plan step marked `readOnly`). Short ones run as local activities (see
   * workflows/steps.ts, `runsLocally`). Absent in runbooks compiled before it was kept.
   */
  readOnly?: boolean;
}

/** A step of one action, its arguments typed by that action. JSON only, secrets only as references. */
export type StepOf<A extends StepAction> = StepCommon & { action: A; args: ActionArgs[A] };
export type Step = { [A in StepAction]: StepOf<A> }[StepAction];

export interface RunbookPhase {
  id: PhaseId;
  title: string;
  /** Changes something: the drill waits for approval before the phase's first step. */
  needsApproval: boolean;
  steps: Step[];
}

export interface Runbook {
  target: string;
  mode: DrillMode;
  phases: RunbookPhase[];
  /**
   * Read-only checks (the plan's stopConditions) run before every destructive step of the phases
   * that need approval; one failing pauses the drill there and asks an operator.
   */
  stopConditions?: StopCondition[];
  /**
   * Steps the drill runs on every ending (success, abort, rejection, timeout) unless a step of the
   * same action already succeeded: removing the test indicator it planted, whatever happened.
   */
  cleanup?: CleanupStep[];
}

/** A step run on every ending once a step of action `after` started, unless a step of its own action already succeeded. */
export interface CleanupStep {
  step: Step;
  after: StepAction;
}

/**
 * A stop condition as compiled: `phases`, when present, limits it to the destructive steps of those
 * phases (absent in runbooks compiled before conditions could be scoped: every phase that needs approval).
 */
export type StopCondition = (StepOf<'checkHttp'> | StepOf<'runCommand'> | StepOf<'runSsmCommand'>) & {
  phases?: PhaseId[];
};

/** Everything a drill will run, fixed at its start: its mode's runbook and the way back after an abort. */
export interface CompiledDrill {
  runbook: Runbook;
  /** The failback phases offered when a failover is aborted after it changed the sites. */
  wayBack?: RunbookPhase[];
  /** For a readiness precheck: every check that changes nothing, on both sites. */
  precheck?: Step[];
}
