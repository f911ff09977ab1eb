/**
 * The activities the workflow calls, as the workflow sees them. activities/index.ts must satisfy
 * this; keeping it here means workflow code never imports from activities/.
 */
import type { Plan } from '../src/plan/schema';
import type { ActivityStepAction, DrillEvent, DrillRecord, Step } from './model';

export interface StepInput {
  drillId: string;
  target: string;
  step: Pick<Step, 'id' | 'title' | 'action' | 'component' | 'site' | 'args' | 'timeoutMs'>;
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
}

export interface LoadedPlan {
  plan: Plan;
  source: string;
}

export type StepActivities = Record<ActivityStepAction, (input: StepInput) => Promise<StepOutcome>>;

export interface DrillActivities extends StepActivities {
  loadPlan(input: LoadPlanInput): Promise<LoadedPlan>;
  /** Returns where it posted (e.g. Slack channel and ts), kept on the gate to thread and edit later. */
  notify(event: DrillEvent): Promise<Record<string, unknown> | undefined>;
  /** Saves the evidence report (md, json, html, svg) of a finished drill; returns the files written. */
  writeReport(record: DrillRecord): Promise<{ files: string[] }>;
}
