/**
 * The plan's fields for the TIP's recovery state and time to protection (domain/tipRecovery.ts):
 * `tip.recovery` (its presence adds the recovery-state checks), `tip.protection` (its presence plants
 * the test indicator), per site `recoveryState: { command }`, and `objectives.protection`. What each
 * platform needs is checked by checkTipRecovery, every error naming its path and what is accepted.
 */
import { z } from 'zod';
import { commandDriver, duration } from '../kinds/kit/schema/fields';
import { MISP_KEY_NAMES, TIP_RECOVERY_CHECKS, type Plan, type TipPlatform } from '../domain';

export const recoveryState = z.strictObject(
  { command: commandDriver },
  { error: 'expected { command: [...] } printing `<name> <value>` lines (version, uuid, key digests)' },
);

const absoluteUrl = z.url({
  protocol: /^https?$/,
  error: 'expected an absolute http(s) URL with a host, such as https://fw.example.org/feeds/tip.txt',
});

export const tipRecovery = z.strictObject({
  rabbitmq: z.string().min(1).optional(),
  queuePrefix: z.string().min(1).optional(),
  streams: z
    .strictObject({
      trimming: z.union([z.number().int().min(0), z.strictObject({ command: commandDriver })], {
        error: 'expected REDIS__TRIMMING as a number (0 keeps every event) or { command: [...] } printing it',
      }),
      eventsPerHour: z
        .number()
        .positive({ error: 'expected the events the platform writes to its stream per hour, a number above 0' }),
    })
    .optional(),
  keys: z.array(z.string().min(1)).min(1).optional(),
});

export const tipProtection = z.strictObject({
  eventId: z
    .union([z.string().min(1), z.number().int().positive().transform(String)], {
      error: 'expected the id of the MISP event the test attribute goes into',
    })
    .optional(),
  collection: z.string().min(1).optional(),
  consumer: z.strictObject({ primary: absoluteUrl, secondary: absoluteUrl }).optional(),
  within: duration.default(300_000),
});

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

/** What `tip.recovery`, `tip.protection` and `objectives.protection` ask of the rest of the plan. */
export function checkTipRecovery(
  plan: Pick<Plan, 'platform' | 'tip' | 'components' | 'objectives'>,
  ctx: IssueSink,
): void {
  const { tip, platform } = plan;
  if (plan.objectives.protection !== undefined && !tip?.protection) {
    ctx.addIssue({
      code: 'custom',
      path: ['objectives', 'protection'],
      message:
        'measures the test indicator of tip.protection: add tip.protection (per platform: MISP eventId, OpenCTI collection, or a consumer URL per site), or remove the objective',
    });
  }
  if (!tip || platform === 'generic') return;
  const off = (id: string) => tip.checks[id as keyof typeof tip.checks] === 'off';
  const recovery = tip.recovery;
  if (recovery) {
    const only = (key: keyof typeof recovery, owner: TipPlatform) => {
      if (recovery[key] !== undefined && platform !== owner)
        ctx.addIssue({
          code: 'custom',
          path: ['tip', 'recovery', key],
          message: `only platform ${owner} takes ${key}`,
        });
    };
    only('rabbitmq', 'opencti');
    only('queuePrefix', 'opencti');
    only('streams', 'opencti');
    only('keys', 'misp');
    const has = TIP_RECOVERY_CHECKS[platform];
    if (platform === 'opencti' && has.includes('queues') && !off('queues')) {
      const name = recovery.rabbitmq;
      const component = name === undefined ? undefined : plan.components[name];
      if (name === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['tip', 'recovery', 'rabbitmq'],
          message:
            "the queues check reads each connector's queues on the serving site's RabbitMQ: name the plan's rabbitmq component, or switch it off with tip.checks.queues: off",
        });
      else if (component?.kind !== 'rabbitmq')
        ctx.addIssue({
          code: 'custom',
          path: ['tip', 'recovery', 'rabbitmq'],
          message: `expected the name of a component of kind rabbitmq; ${component ? `${name} is a ${component.kind}` : `the plan has no component ${name}`}`,
        });
    }
    if (platform === 'opencti' && !off('streams') && !recovery.streams) {
      ctx.addIssue({
        code: 'custom',
        path: ['tip', 'recovery', 'streams'],
        message:
          'the streams check needs { trimming: REDIS__TRIMMING or { command }, eventsPerHour: N }, or switch it off with tip.checks.streams: off',
      });
    }
    if (platform === 'misp' && !off('keys')) {
      for (const role of ['primary', 'secondary'] as const) {
        if (!tip[role].recoveryState)
          ctx.addIssue({
            code: 'custom',
            path: ['tip', role, 'recoveryState'],
            message: `the keys check compares digests printed per site: give { command: [...] } printing \`<name> <sha256 hex>\` for ${(recovery.keys ?? MISP_KEY_NAMES).join(', ')}, or switch it off with tip.checks.keys: off`,
          });
      }
    }
  }
  const protection = tip.protection;
  if (protection) {
    if (protection.eventId !== undefined && platform !== 'misp')
      ctx.addIssue({
        code: 'custom',
        path: ['tip', 'protection', 'eventId'],
        message: 'only platform misp takes eventId',
      });
    if (protection.collection !== undefined && platform !== 'opencti')
      ctx.addIssue({
        code: 'custom',
        path: ['tip', 'protection', 'collection'],
        message: 'only platform opencti takes collection',
      });
    if (platform === 'misp' && protection.eventId === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tip', 'protection', 'eventId'],
        message:
          'expected the id of the MISP event the test attribute goes into (a drills event your team keeps, published)',
      });
    if (platform === 'opencti' && protection.collection === undefined && !protection.consumer)
      ctx.addIssue({
        code: 'custom',
        path: ['tip', 'protection', 'collection'],
        message:
          'expected the id of the TAXII collection consumers read (/taxii2/root/collections/<id>/objects/), or a consumer URL per site in tip.protection.consumer',
      });
  }
}
