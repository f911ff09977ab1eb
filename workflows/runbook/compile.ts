/**
 * compileRunbook(plan, mode): the ordered phases and steps of one drill. Pure and shared by the
 * workflow and `drillbook plan show`, so the dry run shows exactly what runs.
 */
import type { Component, Tier } from '../../src/plan/components';
import type { ExtraStep, Plan } from '../../src/plan/schema';
import type { DrillMode, PhaseId, Runbook, RunbookPhase, SiteRole, Step, StepMark } from '../model';
import { driverStep } from './drivers';
import type { Operation, OperationContext, StepDraft } from './recipe';
import { recipeFor } from './recipes';

const PHASES_BY_MODE: Record<DrillMode, PhaseId[]> = {
  drill: ['preparation', 'pre-reboot', 'check', 'failover', 'failover-check', 'failback', 'failback-check', 'wrap-up'],
  failover: ['failover', 'failover-check'],
  failback: ['failback', 'failback-check'],
};

const PHASE_TITLES: Record<PhaseId, string> = {
  preparation: 'Preparation: services healthy, maintenance mode on, backups and snapshots confirmed',
  'pre-reboot': 'Pre-reboot: stop, reboot and restart the primary site',
  check: 'Check: the primary site serves again',
  failover: 'Failover: stop the primary, switch traffic, start the secondary',
  'failover-check': 'Failover check: the secondary serves and holds the data',
  failback: 'Failback: stop the secondary, switch traffic back, start the primary',
  'failback-check': 'Failback check: the primary serves and replication flows',
  'wrap-up': 'Wrap-up: maintenance mode off',
};

/** Phases that change the world wait for approval before their first step. */
const NEEDS_APPROVAL: ReadonlySet<PhaseId> = new Set<PhaseId>(['pre-reboot', 'failover', 'failback']);

const STOP_ORDER: Tier[] = ['app', 'search', 'database'];
const START_ORDER: Tier[] = ['database', 'search', 'app'];
const ALL_TIERS: Tier[] = ['database', 'search', 'app', 'traffic'];

/** A segment applies one operation to the components of some tiers, in that order, on one site. */
interface Segment {
  name: string;
  operations: Operation[];
  tiers: Tier[];
  site: 'from' | 'to';
  marks?: StepMark[];
}

function segments(phase: PhaseId): Segment[] {
  switch (phase) {
    case 'preparation':
      return [
        { name: 'health', operations: ['health'], tiers: ALL_TIERS, site: 'from' },
        { name: 'preflight', operations: ['preflight'], tiers: ALL_TIERS, site: 'from' },
        { name: 'maintenance', operations: ['maintenance-on'], tiers: ALL_TIERS, site: 'from' },
        { name: 'backups', operations: [], tiers: [], site: 'from' },
      ];
    case 'pre-reboot':
      return [
        { name: 'stop', operations: ['stop'], tiers: STOP_ORDER, site: 'from' },
        { name: 'reboot', operations: ['reboot'], tiers: STOP_ORDER, site: 'from' },
        { name: 'start', operations: ['start'], tiers: START_ORDER, site: 'from' },
        { name: 'health', operations: ['health'], tiers: ALL_TIERS, site: 'from' },
      ];
    case 'check':
      return [{ name: 'health', operations: ['health'], tiers: ALL_TIERS, site: 'from' }];
    case 'failover':
    case 'failback':
      return [
        { name: 'guard', operations: ['guard'], tiers: ALL_TIERS, site: 'to' },
        { name: 'stop', operations: ['stop'], tiers: STOP_ORDER, site: 'from', marks: ['rto-start'] },
        { name: 'switch', operations: ['activate'], tiers: ['traffic'], site: 'to' },
        { name: 'start', operations: ['start', 'activate'], tiers: START_ORDER, site: 'to' },
      ];
    case 'failover-check':
    case 'failback-check':
      return [
        { name: 'health', operations: ['health'], tiers: ALL_TIERS, site: 'to', marks: ['rto-end'] },
        { name: 'verify', operations: ['verify'], tiers: ALL_TIERS, site: 'to' },
      ];
    case 'wrap-up':
      return [
        { name: 'maintenance', operations: ['maintenance-off'], tiers: ALL_TIERS, site: 'to' },
        { name: 'end', operations: [], tiers: [], site: 'to' },
      ];
  }
}

/** Which way a phase moves service; phases around the primary alone act on the primary. */
function directionFor(phase: PhaseId): { from: SiteRole; to: SiteRole } {
  if (phase === 'failback' || phase === 'failback-check') return { from: 'secondary', to: 'primary' };
  return { from: 'primary', to: 'secondary' };
}

function siteOf(phase: PhaseId, which: 'from' | 'to'): SiteRole {
  if (phase === 'preparation' || phase === 'pre-reboot' || phase === 'check' || phase === 'wrap-up') return 'primary';
  return directionFor(phase)[which];
}

const CONFIRM_BACKUPS: StepDraft = {
  key: 'confirm-backups',
  title: 'Confirm that backups and VM snapshots of both sites are done',
  action: 'manualTask',
  args: { instructions: "Confirm that today's database backups and the VM snapshots of both sites have completed, and note where they are." },
};

export function compileRunbook(plan: Plan, mode: DrillMode): Runbook {
  const phases: RunbookPhase[] = PHASES_BY_MODE[mode].map((phase) => ({
    id: phase,
    title: PHASE_TITLES[phase],
    needsApproval: NEEDS_APPROVAL.has(phase),
    steps: compilePhase(plan, mode, phase),
  }));
  return { target: plan.target, mode, phases };
}

function compilePhase(plan: Plan, mode: DrillMode, phase: PhaseId): Step[] {
  const steps: Step[] = [];
  const components = Object.entries(plan.components);
  for (const segment of segments(phase)) {
    const site = siteOf(phase, segment.site);
    const segmentSteps: Step[] = [];
    for (const tier of segment.tiers) {
      for (const [name, component] of components) {
        const recipe = recipeFor(component);
        if (recipe.tier(component) !== tier) continue;
        for (const operation of segment.operations) {
          const context: OperationContext = { plan, mode, phase, name, site, ...directionFor(phase), planned: mode !== 'failover' };
          for (const draft of recipe.steps(operation, component, context)) {
            segmentSteps.push(finishStep(plan, mode, phase, draft, { component: name, site, tuning: component }));
          }
        }
      }
    }
    markSegment(segmentSteps, segment);
    const extras = extraSteps(plan, mode, phase, segment.name);
    // The paper checklist's checkpoint: without a team's own backup checks, a person confirms them.
    if (phase === 'preparation' && segment.name === 'backups' && extras.length === 0) {
      extras.push(finishStep(plan, mode, phase, CONFIRM_BACKUPS, { site: 'primary' }));
    }
    steps.push(...segmentSteps, ...extras);
  }
  return steps;
}

/**
 * RTO runs from the first stop of the old side to the first successful health check on the new
 * side; the segment marks its first step (start) or all its health steps (end: the workflow takes
 * the first that succeeds).
 */
function markSegment(steps: Step[], segment: Segment): void {
  if (!segment.marks || steps.length === 0) return;
  if (segment.marks.includes('rto-start')) steps[0].marks.push('rto-start');
  if (segment.marks.includes('rto-end')) for (const step of steps) step.marks.push('rto-end');
}

function extraSteps(plan: Plan, mode: DrillMode, phase: PhaseId, segmentName: string): Step[] {
  const names = segments(phase).map((s) => s.name);
  const lastSegment = names[names.length - 1];
  return plan.steps
    .filter((extra) => extra.phase === phase && (extra.segment ?? lastSegment) === segmentName)
    .map((extra) => finishStep(plan, mode, phase, extraDraft(extra), { site: extra.site }));
}

function extraDraft(extra: ExtraStep): StepDraft {
  const driver = { command: extra.command, http: extra.http, manual: extra.manual };
  return driverStep(extra.id, extra.title, driver, { destructive: extra.destructive, timeoutMs: extra.timeout });
}

interface StepOwner {
  component?: string;
  site?: SiteRole;
  tuning?: Pick<Component, 'timeout' | 'retries'>;
}

function finishStep(plan: Plan, mode: DrillMode, phase: PhaseId, draft: StepDraft, owner: StepOwner): Step {
  const site = draft.site ?? owner.site;
  const { defaults, approvals } = plan;
  const id = [phase, owner.component, draft.key, owner.component ? site : undefined].filter(Boolean).join('.');
  const timeoutMs = draft.action === 'manualTask' ? approvals.timeout : (draft.timeoutMs ?? owner.tuning?.timeout ?? defaults.stepTimeout);
  return {
    id,
    phase,
    title: draft.title,
    action: draft.action,
    component: owner.component,
    site,
    args: draft.args,
    retry: {
      maximumAttempts: owner.tuning?.retries ?? defaults.retry.maximumAttempts,
      initialIntervalMs: defaults.retry.initialInterval,
      backoffCoefficient: defaults.retry.backoffCoefficient,
      maximumIntervalMs: defaults.retry.maximumInterval,
      ...draft.retry,
    },
    // Commands that outlive their own timeout must still be stopped by Temporal.
    timeoutMs: Math.max(timeoutMs, 1000),
    heartbeatTimeoutMs: draft.heartbeatTimeoutMs ?? defaults.heartbeatTimeout,
    destructive: draft.destructive ?? false,
    // A real outage: the primary may be gone, so what touches it must not hold up the failover.
    bestEffort: mode === 'failover' && site === 'primary',
    marks: [...(draft.marks ?? [])],
  };
}
