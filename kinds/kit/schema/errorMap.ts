/**
 * How plan errors are worded wherever a plan is parsed (the loader, and the schemas that parse a part
 * of a plan on their own: a component by its kind, a TIP check's thresholds). An unknown field lists
 * the fields accepted there, so a typo is answered with the right spelling.
 */
import type { z } from 'zod';

/** The fields an object schema accepts, from the schema that raised the issue. */
function acceptedFields(issue: z.core.$ZodRawIssue): string[] {
  const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

export function unknownFieldsMessage(keys: readonly PropertyKey[], accepted: readonly string[]): string {
  const named = keys.map((key) => `"${String(key)}"`).join(', ');
  const list = accepted.length ? `; accepted: ${accepted.join(', ')}` : '';
  return `unknown field${keys.length > 1 ? 's' : ''} ${named}${list}`;
}

/** A per-parse error map: `schema.safeParse(value, { error: planErrorMap })`. Undefined keeps zod's own wording. */
export const planErrorMap = (issue: z.core.$ZodRawIssue): string | undefined =>
  issue.code === 'unrecognized_keys' ? unknownFieldsMessage(issue.keys, acceptedFields(issue)) : undefined;
