/**
 * Approval rules per gate (approvals.gates) and approvers' roles: their schema, and the check that
 * every gate can be approved by someone. What depends on who starts the drill (the four-eyes rule
 * barring the starter) is judged at the start (domain/approvals.ts, whyUnapprovable with a starter).
 */
import { z } from 'zod';
import { identifier } from '../kinds/kit/schema/fields';
import { APPROVAL_GATES, gateRuleOf, rolesOf, whyUnapprovable, type Approvals } from '../domain';

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

/** A role name, as `dba` or `change-manager`. */
const role = identifier;

/** What an approver may carry beside id, slack and name. */
export const approverRoles = { roles: z.array(role).min(1, 'expected at least one role, such as [dba]').optional() };

const gateRule = z.strictObject({
  approvers: z.array(z.string().min(1)).min(1, 'expected at least one approver id').optional(),
  roles: z.array(role).min(1, 'expected at least one role, such as [dba, change-manager]').optional(),
  quorum: z.number().int().min(1).optional(),
});

/** approvals.gates: a rule for some of the gates, by the plan's gate names. */
export const gateRules = z
  .strictObject(
    Object.fromEntries(APPROVAL_GATES.map((gate) => [gate, gateRule.optional()])) as {
      [G in (typeof APPROVAL_GATES)[number]]: z.ZodOptional<typeof gateRule>;
    },
  )
  .optional();

/** Every gate's approvers are the plan's, its roles held by them, and someone can approve it at all. */
export function checkGateRules(approvals: Approvals, ctx: IssueSink): void {
  const ids = approvals.approvers.map((a) => a.id);
  const held = rolesOf(approvals);
  const allRoles = [...new Set(Object.values(held).flat())];
  for (const gate of APPROVAL_GATES) {
    const own = approvals.gates?.[gate];
    const path = own ? ['approvals', 'gates', gate] : ['approvals', 'quorum'];
    if (own) {
      let known = true;
      (own.approvers ?? []).forEach((id, index) => {
        if (ids.includes(id)) return;
        known = false;
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'approvers', index],
          message: `expected the id of one of approvals.approvers (${ids.join(', ')}); got "${id}"`,
        });
      });
      (own.roles ?? []).forEach((name, index) => {
        if (allRoles.includes(name)) return;
        known = false;
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'roles', index],
          message: `no approver holds the role "${name}"; expected one of the roles approvals.approvers carry (${allRoles.join(', ') || 'none: give approvers roles: [...]'})`,
        });
      });
      if (own.quorum !== undefined && own.roles && own.quorum < own.roles.length)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'quorum'],
          message: `expected at least ${own.roles.length}: each of the roles ${own.roles.join(', ')} needs its own approval`,
        });
      if (!known) continue;
    }
    // Without a rule of its own every gate has the plan's quorum, checked once (schema.ts says it for approvals.quorum).
    if (!own) continue;
    const why = whyUnapprovable(gateRuleOf(approvals, gate), held, approvals.fourEyes);
    if (why) ctx.addIssue({ code: 'custom', path, message: why });
  }
}
