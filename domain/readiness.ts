/** Readiness prechecks: every check of a plan that changes nothing, on both sites, and what drifted. */

/** One thing that would get in a drill's way, said as a sentence, with where in the plan it lives. */
export interface Drift {
  /** Path in the plan file: `components.db`, `components.app.secondary.start`, `tip`. */
  path: string;
  stepId: string;
  site?: 'primary' | 'secondary';
  sentence: string;
}

export interface PrecheckResult {
  target: string;
  ready: boolean;
  checkedAt: string;
  checks: number;
  drifts: Drift[];
  /** Set when this result differs from the previous scheduled run's (new drifts, or all cleared). */
  changed?: boolean;
}

export interface PrecheckInput {
  target: string;
  planYaml?: string;
  /** Who asked (a person, or schedule:<id>); kept in the result's log line. */
  requestedBy?: string;
}
