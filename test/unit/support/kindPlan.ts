/**
 * A small plan around the components a kind's unit test names (kinds/<kind>/<kind>.test.ts): two
 * sites, two approvers, RTO and RPO, nothing else. Parsed by the real plan loader and compiled by
 * the real compiler, so a kind's test sees the defaults, refusals and steps a user's plan gets.
 */
import { stringify } from 'yaml';
import { formatPlanError, parsePlan, type PlanResult } from '../../../plan/load';
import { compileRunbook } from '../../../workflows/runbook';
import type { DrillMode, PhaseId, Plan, Step } from '../../../domain';

export type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form YAML, as a user writes it

export const SITES = { primary: { name: 'dc1' }, secondary: { name: 'dc2' } };

/** The plan document: the components given, and whatever top-level fields `extra` sets (or replaces). */
export const planDoc = (components: Doc, extra: Doc = {}): Doc => ({
  target: 'kind-lab',
  platform: 'generic',
  sites: SITES,
  approvals: { approvers: ['alice', 'bob'] },
  objectives: { rto: '15m', rpo: '1m' },
  components,
  ...extra,
});

export const loadWith = (components: Doc, extra?: Doc): PlanResult => parsePlan(stringify(planDoc(components, extra)));

/** The parsed plan; a refusal throws with every `path: message` the loader gave. */
export function planWith(components: Doc, extra?: Doc): Plan {
  const result = loadWith(components, extra);
  if (!result.ok) throw new Error(result.errors.map(formatPlanError).join('\n'));
  return result.plan;
}

/** The loader's refusals as `plan check` prints them (`components.db.port: expected a number`). */
export function refusalsOf(components: Doc, extra?: Doc): string[] {
  const result = loadWith(components, extra);
  if (result.ok) throw new Error('expected the plan to be refused');
  return result.errors.map(formatPlanError);
}

/** The steps one phase of a mode's runbook holds, in the order they run. */
export function phaseSteps(plan: Plan, mode: DrillMode, phase: PhaseId): Step[] {
  const found = compileRunbook(plan, mode).phases.find((p) => p.id === phase);
  if (!found) throw new Error(`mode ${mode} has no phase ${phase}`);
  return found.steps;
}

/** One step by id; a missing one fails the test naming the ids there are. */
export function stepById(steps: readonly Step[], id: string): Step {
  const step = steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id}; the phase has ${steps.map((s) => s.id).join(', ')}`);
  return step;
}

export const idsOf = (steps: readonly Step[]): string[] => steps.map((s) => s.id);
