/**
 * The activities the workflow calls, as the workflow sees them. activities/index.ts must satisfy
 * this; keeping it here means workflow code never imports from activities/.
 */
import type { ActivityStepAction, ActionArgs } from './actions';
import type { AuditEntry } from './audit';
import type { DrillMode } from './phases';
import type { Plan } from './plan';
import type { PrecheckResult } from './readiness';
import type { DrillEvent, DrillRecord } from './record';
import type { CompiledDrill, StepOf } from './steps';

/** What a step activity receives: the step as compiled (its arguments typed by its action) and whose drill it is. */
export interface StepInput<A extends ActivityStepAction = ActivityStepAction> {
  drillId: string;
  target: string;
  step: Pick<StepOf<A>, 'id' | 'title' | 'action' | 'component' | 'site' | 'args' | 'timeoutMs'>;
}

/** What a driver observed, as facts a report can show and one sentence a person reads. */
export interface Observation {
  summary: string;
  facts: Record<string, unknown>;
}

export interface StepOutcome extends Observation {
  attempt: number;
  startedAt: string;
  endedAt: string;
}

/** The details a failed step carries, so the workflow can record how many attempts it took. */
export interface StepFailureDetails {
  attempt: number;
  facts?: unknown;
}

export interface LoadPlanInput {
  target: string;
  planYaml?: string;
  /** The drill's mode: the runbook is compiled for it. Absent in histories from before it was sent. */
  mode?: DrillMode;
  /** A readiness precheck: compile its checks instead of a runbook. */
  purpose?: 'drill' | 'precheck';
}

/**
 * The validated plan and what the drill will run, compiled on the worker that loaded it. This result
 * is in the drill's history, so a drill keeps running what it started with when the code changes.
 * `compiled` is absent in histories recorded before the runbook was kept there.
 */
export interface LoadedPlan {
  plan: Plan;
  source: string;
  compiled?: CompiledDrill;
}

export type StepActivities = { [A in ActivityStepAction]: (input: StepInput<A>) => Promise<StepOutcome> };
export type StepArgs<A extends ActivityStepAction> = ActionArgs[A];

export interface DrillActivities extends StepActivities {
  loadPlan(input: LoadPlanInput): Promise<LoadedPlan>;
  /** Returns where it posted (e.g. Slack channel and ts), kept on the gate to thread and edit later. */
  notify(event: DrillEvent): Promise<Record<string, unknown> | undefined>;
  /** The last completed readiness precheck of a target, other than the run asking. */
  previousPrecheck(input: { target: string; exceptRunId: string }): Promise<PrecheckResult | undefined>;
  /** Saves the evidence report (md, json, html, svg) of a finished drill; returns the files written. */
  writeReport(record: DrillRecord): Promise<{ files: string[] }>;
  /** Appends a refusal the workflow decided itself (a start under a wrong workflow ID) to its target's audit trail. */
  auditRefusal(entry: AuditEntry): Promise<void>;
}
