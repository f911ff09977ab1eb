/**
 * The plan file: one YAML file per protected target. This schema is the single source of truth for
 * what a plan may say; `Plan` (its parsed output) is what the workflow and recipes consume.
 */
import { z } from 'zod';
import { checkComponentReferences, component } from './components';
import {
  commandDriver,
  DRIVER_SHAPE,
  duration,
  durationAtLeast,
  durationOrZero,
  exactlyOne,
  httpDriver,
  identifier,
  ssmDriver,
  timeoutDuration,
} from '../kinds/kit/schema/fields';
import { checkTip, tipBlock } from './tip';
import { checkTipRecovery } from './tipRecovery';
import { checkStepOrder } from './stepOrder';
import { approverRoles, checkGateRules, gateRules } from './gates';
import { checkComponentOrder } from './componentOrder';
import { checkStepRetries, drillModes, stepRetryFields, stopConditionScope } from './stepFields';
import { precheckBlock, schedulesBlock } from './schedules';
import {
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  MIN_HEARTBEAT_TIMEOUT_MS,
  PHASE_IDS,
  PHASE_SEGMENTS,
  type Plan,
} from '../domain';

const approver = z
  .union(
    [
      z.string().min(1),
      z.strictObject({
        id: z.string().min(1),
        slack: z.string().optional(),
        name: z.string().optional(),
        ...approverRoles,
      }),
    ],
    {
      error: 'expected a user name or { id, slack?, name?, roles? }',
    },
  )
  .transform((value) => (typeof value === 'string' ? { id: value } : value));

const approvals = z.strictObject({
  approvers: z.array(approver).min(1, 'expected at least one approver'),
  /** People who may retry/skip/abort failed steps and complete manual tasks, beside the approvers. */
  operators: z.array(z.string().min(1)).default([]),
  /** The person who started a drill may not approve it. */
  fourEyes: z.boolean().default(true),
  /** Distinct approvals each gate needs. */
  quorum: z.number().int().min(1).default(1),
  reminderAfter: duration.default(15 * 60_000),
  timeout: timeoutDuration.default(8 * 3_600_000),
  /** Rules of single gates: their approvers, roles and quorum (plan/gates.ts). */
  gates: gateRules,
});

const retry = z.strictObject({
  maximumAttempts: z.number().int().min(1).max(100).default(3),
  initialInterval: duration.default(1000),
  backoffCoefficient: z.number().min(1).max(10).default(2),
  maximumInterval: duration.default(30_000),
});

const defaults = z.strictObject({
  retry: retry.default(retry.parse({})),
  stepTimeout: timeoutDuration.default(5 * 60_000),
  heartbeatTimeout: durationAtLeast(
    MIN_HEARTBEAT_TIMEOUT_MS,
    'a running step heartbeats twice a second; a shorter timeout would take steps from workers that live',
  ).default(DEFAULT_HEARTBEAT_TIMEOUT_MS),
});

const extraStep = exactlyOne('a step', DRIVER_SHAPE, {
  id: identifier,
  phase: z.enum(PHASE_IDS),
  /** Where in the phase: one of the phase's segments; the phase's last segment when absent. */
  segment: z.string().optional(),
  title: z.string().min(1),
  site: z.enum(['primary', 'secondary']).optional(),
  destructive: z.boolean().default(false),
  /** Changes nothing: a short one runs as a local activity (faster; it may run again after a worker dies). */
  readOnly: z.boolean().optional(),
  timeout: timeoutDuration.optional(),
  /** Only in these modes' runbooks (a check that needs the primary: drill and failback, not an outage). */
  modes: drillModes.optional(),
  /** Plan steps of the same phase and segment this one runs after. */
  after: z.array(identifier).min(1).optional(),
  ...stepRetryFields,
}).superRefine((step, ctx) => {
  checkStepRetries(step, ctx);
  if (step.readOnly && step.destructive)
    ctx.addIssue({ code: 'custom', path: ['readOnly'], message: 'a step cannot be both readOnly and destructive' });
});

/** A read-only check that pauses the drill before its next destructive step when it fails. */
const stopCondition = exactlyOne(
  'a stop condition',
  { http: httpDriver, command: commandDriver, ssm: ssmDriver },
  {
    id: identifier,
    title: z.string().min(1),
    ...stopConditionScope,
  },
);

const site = z.strictObject({ name: z.string().min(1), description: z.string().optional() });

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U0123ABCD');

/** Slack's API posts to a channel by its id; a name (#drills) or a link fails only when the drill first posts. */
const slackChannelId = z
  .string()
  .regex(
    /^[CG][A-Z0-9]{2,}$/,
    "expected a Slack channel id: C… for a channel or G… for a private group, such as C0123DRILLS (not its name such as #drills: the id is at the bottom of the channel's details)",
  );

/** Where the drill talks to people. Tokens are never here: the worker reads SLACK_BOT_TOKEN(_FILE). */
const notifications = z.strictObject({
  slack: z
    .strictObject({
      /** Channel id (C…) where the drill posts, asks for approvals and posts its report. */
      channel: slackChannelId,
      /** Slack user ids of people who are not approvers (operators): { oncall: U0123ABCD }. */
      users: z.record(z.string().min(1), slackUserId).default({}),
    })
    .optional(),
});

export const planSchema = z
  .strictObject({
    target: identifier,
    platform: z.enum(['threatconnect', 'opencti', 'misp', 'generic']),
    /** The platform's API per site, for the TIP profile's checks (plan/tip.ts). */
    tip: tipBlock.optional(),
    description: z.string().optional(),
    timezone: z
      .string()
      .default('UTC')
      .refine((zone) => isTimeZone(zone), { message: 'expected an IANA time zone such as Europe/Amsterdam' }),
    sites: z.strictObject({ primary: site, secondary: site }),
    approvals,
    objectives: z
      .strictObject({ rto: duration.optional(), rpo: durationOrZero.optional(), protection: duration.optional() })
      .default({}),
    defaults: defaults.default(defaults.parse({})),
    components: z
      .record(identifier, component)
      .refine((value) => Object.keys(value).length > 0, 'expected at least one component'),
    steps: z.array(extraStep).default([]),
    notifications: notifications.default({}),
    /** Checks of the serving side (an error rate, a queue depth) that pause a destructive phase when they fail. */
    stopConditions: z.array(stopCondition).default([]),
    /** When the plan's drills run and how often its readiness precheck does (plan/schedules.ts; `schedule sync`). */
    schedules: schedulesBlock.default([]),
    precheck: precheckBlock.optional(),
  })
  .superRefine((plan, ctx) => {
    const { approvals: gate } = plan;
    const ids = gate.approvers.map((a) => a.id);
    if (gate.quorum > ids.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvals', 'quorum'],
        message: `needs ${gate.quorum} approvals but only ${ids.length} approvers are listed`,
      });
    }
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index)
        ctx.addIssue({
          code: 'custom',
          path: ['approvals', 'approvers', index],
          message: `approver "${id}" is listed twice`,
        });
    });
    if (gate.reminderAfter >= gate.timeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvals', 'reminderAfter'],
        message: 'must be shorter than approvals.timeout, or no reminder is ever sent',
      });
    }
    checkGateRules(gate, ctx);
    checkComponentReferences(plan.components, ctx);
    checkComponentOrder(plan.components, ctx);
    checkTip(plan, ctx);
    checkTipRecovery(plan, ctx);
    if (plan.sites.primary.name === plan.sites.secondary.name) {
      ctx.addIssue({
        code: 'custom',
        path: ['sites', 'secondary', 'name'],
        message: 'must differ from sites.primary.name',
      });
    }
    const seen = new Set<string>();
    plan.steps.forEach((step, index) => {
      if (seen.has(step.id))
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'id'],
          // The path names the step by this id, so say which two steps (counting from 1) share it.
          message: `step id "${step.id}" is used twice: by steps ${plan.steps.findIndex((s) => s.id === step.id) + 1} and ${index + 1} of the list`,
        });
      seen.add(step.id);
      const segments: readonly string[] = PHASE_SEGMENTS[step.phase];
      if (step.segment !== undefined && !segments.includes(step.segment)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'segment'],
          message: `phase ${step.phase} has no segment "${step.segment}"; expected one of ${segments.join(', ')}`,
        });
      }
    });
    checkStepOrder(plan.steps, ctx);
  });

/** The schema validates into the domain's plan type: a schema change that drifts from it does not compile. */
const validatesIntoPlan = (parsed: z.output<typeof planSchema>): Plan => parsed;
void validatesIntoPlan;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
