/** A plan's components: each validated by its kind's schema, then what one says about another. */
import { z } from 'zod';
import { COMPONENT_SCHEMAS, REFERENCE_CHECKS } from '../kinds/schemas';
import type { IssueSink } from '../kinds/kit/schema/references';
import { componentCommon } from './componentOrder';
import { planErrorMap } from '../kinds/kit/schema/errorMap';
import type { Component } from '../domain';

/**
 * Picks the schema by `kind` first, so an error inside a component keeps its full path
 * instead of collapsing into "no union member matched".
 */
export const component = z
  .looseObject({
    kind: z.string({ error: () => `expected a component kind: one of ${Object.keys(COMPONENT_SCHEMAS).join(', ')}` }),
  })
  .transform((value, ctx) => {
    const schema = (COMPONENT_SCHEMAS as Record<string, z.ZodType>)[value.kind];
    if (!schema) {
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: `unknown component kind "${value.kind}"; expected one of ${Object.keys(COMPONENT_SCHEMAS).join(', ')}`,
      });
      return z.NEVER;
    }
    // What every component may say whatever its kind (plan/componentOrder.ts), apart from the kind's own fields.
    const { after, destructiveRetries, ...own } = value;
    const common = componentCommon.safeParse({ after, destructiveRetries });
    if (!common.success) for (const issue of common.error.issues) ctx.addIssue({ ...issue });
    const parsed = schema.safeParse(own, { error: planErrorMap });
    if (!parsed.success) {
      // Each issue passed on as the kind's schema raised it (its code too), so the loader words it as
      // it words the plan's own: an unknown field inside a component is an "unknown field" as well.
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
      return z.NEVER;
    }
    if (!common.success) return z.NEVER;
    return { ...(parsed.data as Component), ...dropUndefined(common.data) };
  });

const dropUndefined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/** What one component says about another (a rabbitmq component's producers are workloads of a kubernetes component): each kind's own check. */
export function checkComponentReferences(components: Record<string, Component>, ctx: IssueSink): void {
  for (const check of REFERENCE_CHECKS) check(components, ctx);
}
