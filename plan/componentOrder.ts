/**
 * What every component may say whatever its kind: `after` (the components of its tier it starts
 * after and stops before) and `destructiveRetries`; and the check that `after` names components of
 * the same tier and no two wait for each other.
 */
import { z } from 'zod';
import { identifier } from '../kinds/kit/schema/fields';
import { recipeFor } from '../kinds/recipes';
import type { Component } from '../domain';

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

export const componentCommon = z.object({
  /** Components of the same tier this one starts after (and stops before). */
  after: z.array(identifier).min(1, 'expected at least one component name').optional(),
  /** Retries of its destructive steps after their first attempt: 0 for a switch that must not run twice. */
  destructiveRetries: z
    .number({ error: 'expected a whole number of retries after the first attempt, 0 to 99' })
    .int('expected a whole number of retries after the first attempt, 0 to 99')
    .min(0, 'expected 0 to 99 retries after the first attempt')
    .max(99, 'expected 0 to 99 retries after the first attempt')
    .optional(),
});

export function checkComponentOrder(components: Record<string, Component>, ctx: IssueSink): void {
  const names = Object.keys(components);
  const tierOf = (name: string) => recipeFor(components[name]).tier(components[name]);
  for (const name of names) {
    (components[name].after ?? []).forEach((other, index) => {
      const path = ['components', name, 'after', index];
      if (!components[other])
        ctx.addIssue({
          code: 'custom',
          path,
          message: `expected the name of another component of tier ${tierOf(name)} (${sameTier(names, tierOf, name).join(', ') || 'there is none'}); there is no component "${other}"`,
        });
      else if (other === name) ctx.addIssue({ code: 'custom', path, message: 'a component cannot start after itself' });
      else if (tierOf(other) !== tierOf(name))
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${other}" is of tier ${tierOf(other)}, this component of tier ${tierOf(name)}: tiers are ordered already (stop app, search, database; start the reverse); after orders components within one tier`,
        });
    });
  }
  const cycle = findCycle(names, (name) =>
    (components[name].after ?? []).filter((other) => other !== name && components[other]),
  );
  if (cycle.length)
    ctx.addIssue({
      code: 'custom',
      path: ['components', cycle[0], 'after'],
      message: `components ${cycle.join(' -> ')} each start after the next: nothing could start first; drop one of these after`,
    });
}

const sameTier = (names: string[], tierOf: (name: string) => string, name: string): string[] =>
  names.filter((other) => other !== name && tierOf(other) === tierOf(name));

/** The first cycle of `after` found, as the path round it (a -> b -> a); none: empty. */
function findCycle(names: string[], afterOf: (name: string) => string[]): string[] {
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name)) return [];
    for (const other of afterOf(name)) {
      const found = visit(other, [...path, name]);
      if (found.length) return found;
    }
    done.add(name);
    return [];
  };
  for (const name of names) {
    const found = visit(name, []);
    if (found.length) return found;
  }
  return [];
}
