/**
 * compileRunbook(plan, mode): the ordered phases and steps of one drill. Pure and shared by the
 * workflow and `drillbook plan show`, so the dry run shows exactly what runs.
 */
import { driverStep } from '../../kinds/kit/recipe/driverStep';
import { orderInBlocks, wavesByAfter } from './order';
import type { Operation, OperationContext, StepDraft } from '../../kinds/kit/recipe/recipe';
import { recipeFor } from '../../kinds/recipes';
import { withStartGrace } from './startGrace';
import { TIP_SEGMENTS, tipDrafts } from './tip';
import { tipCleanupDrafts, tipProtectionDrafts, tipRecoveryDrafts } from './tipRecovery';
import { directionOf, PHASE_SEGMENTS, PHASE_TITLES, PHASES_BY_MODE, PHASES_NEEDING_APPROVAL } from '../../domain';
import type {
  CompiledDrill,
  Component,
  DrillMode,
  ExtraStep,
  PhaseId,
  Plan,
  RetrySpec,
  Runbook,
  RunbookPhase,
  SegmentOf,
  SiteRole,
  Step,
  StepMark,
  StopCondition,
  StopConditionSpec,
  Tier,
} from '../../domain';

const STOP_ORDER: Tier[] = ['app', 'search', 'database'];
const START_ORDER: Tier[] = ['database', 'search', 'app'];
const ALL_TIERS: Tier[] = ['database', 'search', 'app', 'traffic'];
const START_ORDER_WITH_TRAFFIC: Tier[] = [...START_ORDER, 'traffic'];

/** Operations applied to the components of some tiers, in that order. */
interface Pass {
  operations: Operation[];
  tiers: Tier[];
}

/** What a segment does: one pass over the tiers on one site, with the traffic tier's own pass before or after it. */
interface SegmentWork extends Pass {
  site: 'from' | 'to';
  marks?: StepMark[];
  /** Before the services of a site stop, the load balancers take it out of rotation. */
  first?: Pass;
  /** After they started, the load balancers put it back and wait until their checks see it serve. */
  last?: Pass;
}

const DRAIN: Pass = { operations: ['drain'], tiers: ['traffic'] };
const REJOIN: Pass = { operations: ['rejoin'], tiers: ['traffic'] };

const NOTHING: SegmentWork = { operations: [], tiers: [], site: 'from' };
const SWITCH: { [S in SegmentOf<'failover'>]: SegmentWork } = {
  prepare: { ...NOTHING, site: 'to' },
  guard: { operations: ['guard'], tiers: ALL_TIERS, site: 'to' },
  stop: { operations: ['stop'], tiers: STOP_ORDER, site: 'from', marks: ['rto-start'], first: DRAIN },
  switch: { operations: ['activate'], tiers: ['traffic'], site: 'to' },
  start: { operations: ['start', 'activate'], tiers: START_ORDER, site: 'to', last: REJOIN },
};
const SWITCH_CHECK: { [S in SegmentOf<'failover-check'>]: SegmentWork } = {
  health: { operations: ['health'], tiers: ALL_TIERS, site: 'to', marks: ['rto-end'] },
  verify: { operations: ['verify'], tiers: ALL_TIERS, site: 'to' },
};

/** The work of every segment the domain names; the segments' order is the domain's (PHASE_SEGMENTS). */
const SEGMENT_WORK: { [P in PhaseId]: { [S in SegmentOf<P>]: SegmentWork } } = {
  preparation: {
    health: { operations: ['health'], tiers: ALL_TIERS, site: 'from' },
    preflight: { operations: ['preflight'], tiers: ALL_TIERS, site: 'from' },
    maintenance: { operations: ['maintenance-on'], tiers: ALL_TIERS, site: 'from' },
    backups: NOTHING,
  },
  'pre-reboot': {
    stop: { operations: ['stop'], tiers: STOP_ORDER, site: 'from', first: DRAIN },
    reboot: { operations: ['reboot'], tiers: STOP_ORDER, site: 'from' },
    start: { operations: ['start'], tiers: START_ORDER, site: 'from', last: REJOIN },
    health: { operations: ['health'], tiers: ALL_TIERS, site: 'from' },
  },
  check: { health: { operations: ['health'], tiers: ALL_TIERS, site: 'from' } },
  failover: SWITCH,
  'failover-check': SWITCH_CHECK,
  failback: SWITCH,
  'failback-check': SWITCH_CHECK,
  'wrap-up': {
    maintenance: { operations: ['maintenance-off'], tiers: ALL_TIERS, site: 'to' },
    end: { ...NOTHING, site: 'to' },
  },
  // The returned site is rebuilt under the serving one: databases first, as a start would.
  reprotect: {
    await: { operations: ['await-return'], tiers: START_ORDER_WITH_TRAFFIC, site: 'from' },
    fence: { operations: ['fence'], tiers: START_ORDER_WITH_TRAFFIC, site: 'from' },
    resync: { operations: ['reprotect'], tiers: START_ORDER_WITH_TRAFFIC, site: 'from' },
  },
  'reprotect-check': {
    verify: { operations: ['reprotected'], tiers: START_ORDER_WITH_TRAFFIC, site: 'from' },
  },
};

interface Segment extends SegmentWork {
  name: string;
}

function segments(phase: PhaseId): Segment[] {
  const work = SEGMENT_WORK[phase] as Record<string, SegmentWork>;
  return PHASE_SEGMENTS[phase].map((name) => ({ name, ...work[name] }));
}

function siteOf(phase: PhaseId, which: 'from' | 'to'): SiteRole {
  if (phase === 'preparation' || phase === 'pre-reboot' || phase === 'check' || phase === 'wrap-up') return 'primary';
  return directionOf(phase)[which];
}

const CONFIRM_BACKUPS: StepDraft = {
  key: 'confirm-backups',
  title: 'Confirm that backups and VM snapshots of both sites are done',
  action: 'manualTask',
  args: {
    instructions:
      "Confirm that today's database backups and the VM snapshots of both sites have completed, and note where they are.",
  },
};

export function compileRunbook(plan: Plan, mode: DrillMode): Runbook {
  const phases: RunbookPhase[] = PHASES_BY_MODE[mode].map((phase) => ({
    id: phase,
    title: PHASE_TITLES[phase],
    needsApproval: PHASES_NEEDING_APPROVAL.includes(phase),
    steps: compilePhase(plan, mode, phase),
  }));
  const stopConditions = (plan.stopConditions ?? [])
    .filter((condition) => (condition.modes ?? [mode]).includes(mode))
    .flatMap((condition) => stopConditionSteps(plan, mode, condition));
  const cleanup = tipCleanupDrafts(plan, mode).map(({ draft, after }) => ({
    step: { ...finishStep(plan, mode, 'wrap-up', 'end', draft, {}), id: `cleanup.${draft.key}` },
    after,
  }));
  return {
    target: plan.target,
    mode,
    phases,
    ...(stopConditions.length ? { stopConditions } : {}),
    ...(cleanup.length ? { cleanup } : {}),
  };
}

/**
 * A stop condition as the drill asks it: on its site, or with `site: serving` once per phase it is
 * asked in, on the site that phase moves service to (each carrying that phase in `phases`).
 */
function stopConditionSteps(plan: Plan, mode: DrillMode, condition: StopConditionSpec): StopCondition[] {
  const { site, phases } = condition;
  if (site !== 'serving') return [stopConditionStep(plan, mode, condition, site, phases)];
  return (phases ?? approvalPhasesOf(mode)).map((phase) =>
    stopConditionStep(plan, mode, condition, siteOf(phase, 'to'), [phase]),
  );
}

/** The phases with a gate a drill of this mode may run: its own, and the failback its way back runs. */
function approvalPhasesOf(mode: DrillMode): PhaseId[] {
  const phases =
    mode === 'failback' || mode === 'reprotect'
      ? PHASES_BY_MODE[mode]
      : [...PHASES_BY_MODE[mode], ...PHASES_BY_MODE.failback];
  return PHASES_NEEDING_APPROVAL.filter((phase) => phases.includes(phase));
}

function stopConditionStep(
  plan: Plan,
  mode: DrillMode,
  condition: StopConditionSpec,
  site: SiteRole | undefined,
  phases: PhaseId[] | undefined,
): StopCondition {
  const title =
    condition.site === 'serving' && site ? `${condition.title} (on ${plan.sites[site].name})` : condition.title;
  const draft = driverStep(condition.id, title, {
    http: condition.http,
    command: condition.command,
    ssm: condition.ssm,
  });
  const step = finishStep(plan, mode, 'failover', 'stop-condition', draft, { site });
  // An http, command or ssm driver always compiles to checkHttp, runCommand or runSsmCommand: what a StopCondition is.
  return {
    ...step,
    id: `stop-condition.${condition.id}`,
    planPath: 'stopConditions',
    ...(phases ? { phases } : {}),
  } as StopCondition;
}

/** What a drill of this mode will run, and the way back offered when its failover is aborted. */
export function compileDrill(plan: Plan, mode: DrillMode): CompiledDrill {
  const runbook = compileRunbook(plan, mode);
  // Failback is itself the way back; reprotect moves no service, so an abort leaves nothing to undo.
  return mode === 'failback' || mode === 'reprotect'
    ? { runbook }
    : { runbook, wayBack: compileRunbook(plan, 'failback').phases };
}

function compilePhase(plan: Plan, mode: DrillMode, phase: PhaseId): Step[] {
  const steps: Step[] = [];
  const components = Object.entries(plan.components);
  let blocks = 0;
  for (const segment of segments(phase)) {
    const site = siteOf(phase, segment.site);
    const segmentSteps: Step[] = [];
    const servingSteps: Step[] = [];
    const passes = [segment.first, segment, segment.last].filter((pass): pass is Pass => pass !== undefined);
    for (const { tiers, operations } of passes) {
      // Within a tier too, what stopped last starts first: components start in the reverse of their
      // stop order. The load balancers' drain and rejoin keep the plan's order (a health file listed
      // before the HAProxy that judges by it is back before HAProxy waits for its servers UP).
      const inOrder = operations.includes('start') ? [...components].reverse() : components;
      for (const tier of tiers) {
        const lanes: { name: string; steps: Step[] }[] = [];
        for (const [name, component] of inOrder) {
          const recipe = recipeFor(component);
          if (recipe.tier(component) !== tier) continue;
          const lane: Step[] = [];
          for (const operation of operations) {
            const context: OperationContext = {
              plan,
              mode,
              phase,
              name,
              site,
              ...directionOf(phase),
              planned: mode !== 'failover',
            };
            for (const made of recipe.steps(operation, component, context)) {
              const draft =
                operation === 'health' ? withStartGrace(made, phase, component, oneTryMs(plan, component)) : made;
              lane.push(
                finishStep(plan, mode, phase, segment.name, checkMarked(operation, draft), {
                  component: name,
                  site,
                  tuning: component,
                }),
              );
            }
          }
          if (lane.length) lanes.push({ name, steps: lane });
        }
        // Components of one tier run at once, each in its own lane, unless one names others in `after`:
        // it then starts after them and stops before them (a wave of its own, after or before theirs).
        const tierSteps: Step[] = [];
        for (const wave of wavesOf(
          plan,
          lanes,
          operations.some((op) => STOPPING.includes(op)),
        )) {
          if (wave.length > 1) {
            blocks += 1;
            for (const lane of wave)
              for (const step of lane.steps) Object.assign(step, { block: blocks, lane: step.component });
          }
          tierSteps.push(...wave.flatMap((lane) => lane.steps));
        }
        segmentSteps.push(...tierSteps);
        if (SERVING_TIERS.includes(tier)) servingSteps.push(...tierSteps);
      }
    }
    markSegment(segmentSteps, segment, servingSteps);
    // The platform's own checks, once what it runs on answers again, on the site that serves.
    if (TIP_SEGMENTS[phase] === segment.name) {
      for (const draft of tipDrafts(plan, phase, site, mode !== 'failover'))
        segmentSteps.push(finishStep(plan, mode, phase, segment.name, draft, { site }));
      for (const draft of tipRecoveryDrafts(plan, phase, site, mode !== 'failover'))
        segmentSteps.push(finishStep(plan, mode, phase, segment.name, draft, { site }));
    }
    // The time to protection: the test indicator planted before the first stop, looked for after the switch, removed.
    for (const draft of tipProtectionDrafts(plan, mode, phase, segment.name))
      segmentSteps.push(finishStep(plan, mode, phase, segment.name, draft, { site }));
    const extras = extraSteps(plan, mode, phase, segment.name, () => (blocks += 1));
    // The paper checklist's checkpoint: without a team's own backup checks, a person confirms them.
    if (phase === 'preparation' && segment.name === 'backups' && extras.length === 0) {
      extras.push(finishStep(plan, mode, phase, segment.name, CONFIRM_BACKUPS, { site: 'primary' }));
    }
    steps.push(...segmentSteps, ...extras);
  }
  return steps;
}

/** Operations that take a site down or out: a component goes before those it names in `after`. */
const STOPPING: readonly Operation[] = ['stop', 'reboot', 'drain', 'maintenance-on'];

/** A tier's lanes in waves by the components' `after`: dependencies first, or dependents first when `stopping`. */
function wavesOf<L extends { name: string }>(plan: Plan, lanes: L[], stopping: boolean): L[][] {
  const waves = wavesByAfter(
    lanes.map((lane) => lane.name),
    (name) => plan.components[name]?.after ?? [],
  );
  const numbers = [...new Set(waves.values())].sort((a, b) => (stopping ? b - a : a - b));
  return numbers.map((wave) => lanes.filter((lane) => waves.get(lane.name) === wave));
}

/** The tiers users reach: the new side is back when these answer, not when a database pings. */
const SERVING_TIERS: Tier[] = ['app', 'traffic'];

/**
 * RTO runs from the first stop of the old side to the first successful health check of what users
 * reach on the new side; the segment marks its first step (start) or its health steps (end: the
 * workflow takes the first that succeeds): the app and traffic tiers' HTTP checks if there are any,
 * else those tiers' checks, else every health step.
 */
function markSegment(steps: Step[], segment: Segment, serving: Step[]): void {
  if (!segment.marks || steps.length === 0) return;
  if (segment.marks.includes('rto-start')) steps[0].marks.push('rto-start');
  if (!segment.marks.includes('rto-end')) return;
  const http = serving.filter((step) => step.action === 'checkHttp');
  const ends = http.length ? http : serving.length ? serving : steps;
  for (const step of ends) step.marks.push('rto-end');
}

function extraSteps(plan: Plan, mode: DrillMode, phase: PhaseId, segmentName: string, nextBlock: () => number): Step[] {
  const names = segments(phase).map((s) => s.name);
  const lastSegment = names[names.length - 1];
  const here = plan.steps.filter(
    (extra) =>
      extra.phase === phase && (extra.segment ?? lastSegment) === segmentName && (extra.modes ?? [mode]).includes(mode),
  );
  return orderInBlocks(here).groups.flatMap((group) => {
    const steps = group.map((extra) =>
      finishStep(plan, mode, phase, segmentName, extraDraft(extra), { site: extra.site, retry: extraRetry(extra) }),
    );
    // A team's parallel block runs as a component tier's does: each step in its own lane.
    if (steps.length > 1) {
      const block = nextBlock();
      for (const step of steps) Object.assign(step, { block, lane: step.id });
    }
    return steps;
  });
}

/** A plan step's own retry policy over the plan's defaults: `retries` counts the tries after the first. */
function extraRetry(extra: ExtraStep): Partial<RetrySpec> | undefined {
  const { retry, retries } = extra;
  if (!retry && retries === undefined) return undefined;
  const spec: Partial<RetrySpec> = {
    maximumAttempts: retries !== undefined ? retries + 1 : retry?.maximumAttempts,
    initialIntervalMs: retry?.initialInterval,
    backoffCoefficient: retry?.backoffCoefficient,
    maximumIntervalMs: retry?.maximumInterval,
  };
  return Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined));
}

function extraDraft(extra: ExtraStep): StepDraft {
  const driver = { command: extra.command, http: extra.http, ssm: extra.ssm, manual: extra.manual };
  const draft = driverStep(extra.id, extra.title, driver, { destructive: extra.destructive, timeoutMs: extra.timeout });
  return extra.readOnly && !extra.destructive && draft.action !== 'manualTask' ? { ...draft, readOnly: true } : draft;
}

/** Operations that only look: their plain HTTP and command checks change nothing. */
const CHECK_OPERATIONS: readonly Operation[] = ['health', 'verify'];

function checkMarked(operation: Operation, draft: StepDraft): StepDraft {
  const plainCheck =
    (draft.action === 'checkHttp' && draft.args.http.method !== 'POST') || draft.action === 'runCommand';
  return CHECK_OPERATIONS.includes(operation) && plainCheck && !draft.destructive
    ? { ...draft, readOnly: true }
    : draft;
}

export interface StepOwner {
  component?: string;
  site?: SiteRole;
  tuning?: Pick<Component, 'timeout' | 'retries' | 'destructiveRetries'>;
  /** The plan's own word on this step's retries, over everything else (a plan step's retries or retry). */
  retry?: Partial<RetrySpec>;
}

/** A step's own timeout when its draft sets none: the component's, else the plan's default. */
const oneTryMs = (plan: Plan, tuning: StepOwner['tuning']): number => tuning?.timeout ?? plan.defaults.stepTimeout;

export function finishStep(
  plan: Plan,
  mode: DrillMode,
  phase: PhaseId,
  segment: string,
  draft: StepDraft,
  owner: StepOwner,
): Step {
  const site = draft.site ?? owner.site;
  const { defaults, approvals } = plan;
  const id = [phase, owner.component, draft.key, owner.component ? site : undefined].filter(Boolean).join('.');
  const timeoutMs =
    draft.action === 'manualTask' ? approvals.timeout : (draft.timeoutMs ?? oneTryMs(plan, owner.tuning));
  // The action and its arguments travel together from the draft; spreading the draft keeps them paired.
  const { key: _key, marks, retry, readOnly, ...call } = draft;
  return {
    ...call,
    id,
    phase,
    segment,
    component: owner.component,
    site,
    retry: {
      maximumAttempts: owner.tuning?.retries ?? defaults.retry.maximumAttempts,
      initialIntervalMs: defaults.retry.initialInterval,
      backoffCoefficient: defaults.retry.backoffCoefficient,
      maximumIntervalMs: defaults.retry.maximumInterval,
      ...retry,
      // A switch that must not run twice: the component's destructive steps get this many tries.
      ...(draft.destructive && owner.tuning?.destructiveRetries !== undefined
        ? { maximumAttempts: owner.tuning.destructiveRetries + 1 }
        : {}),
      ...owner.retry,
    },
    // Commands that outlive their own timeout must still be stopped by Temporal.
    timeoutMs: Math.max(timeoutMs, 1000),
    heartbeatTimeoutMs: draft.heartbeatTimeoutMs ?? defaults.heartbeatTimeout,
    destructive: draft.destructive ?? false,
    // A real outage: the primary may be gone, so what touches it must not hold up the failover.
    bestEffort: mode === 'failover' && site === 'primary',
    marks: [...(marks ?? [])],
    ...(readOnly ? { readOnly: true } : {}),
  };
}
