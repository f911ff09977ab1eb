/** Calling an activity directly in a test, as the workflow would: its input, and the failure it must end in. */
import type { ActionArgs, ActivityStepAction, Observation, SiteRole, StepInput } from '../../domain';

/** A StepInput as the workflow would send it, for a drill of `target`. */
export function activityStepInput<A extends ActivityStepAction>(
  target: string,
  drillId: string,
  action: A,
  args: ActionArgs[A],
  site?: SiteRole,
): StepInput<A> {
  return {
    drillId,
    target,
    step: { id: `test.${action}.${site ?? 'any'}`, title: action, action, site, args, timeoutMs: 120_000 },
  };
}

/** Awaits an activity that must fail with `type`; returns its message and the facts it carried. */
export async function expectFailure(
  promise: Promise<Observation>,
  type: string,
): Promise<{ message: string; facts: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { type?: string; message: string; details?: unknown[] };
    if (e.type !== type) throw new Error(`expected a ${type} failure, got ${e.type}: ${e.message}`, { cause: error });
    return { message: e.message, facts: e.details?.[0] as Record<string, unknown> };
  }
  throw new Error(`expected a ${type} failure`);
}
