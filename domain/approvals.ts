/**
 * Who may approve which gate: the plan's approvers and quorum, or a gate's own rule (its approvers,
 * one approval per role, its quorum), under the four-eyes rule. Pure: the plan check, the CLI and
 * the drill's gates judge with these same functions, so they cannot disagree.
 */
import { APPROVAL_GATES, type ApprovalGate, type Approvals } from './plan';
import { PHASES_BY_MODE, PHASES_NEEDING_APPROVAL, type DrillMode } from './phases';

/** A gate's rule as the drill applies it. */
export interface GateRule {
  /** The plan's name for the gate (`failover`), for sentences and plan paths. */
  gate: ApprovalGate;
  /** Whether the plan gives this gate a rule of its own (approvals.gates.<gate>). */
  own: boolean;
  approvers: string[];
  /** Each needs one approval by a holder, each by a different person. */
  roles: string[];
  quorum: number;
}

/** The drill's gate ids (`approve-failover`, `signoff`, `rollback`) to the plan's gate names; the way back is a failback. */
export function planGateOf(gateId: string): ApprovalGate | undefined {
  if (gateId === 'signoff') return 'signoff';
  if (gateId === 'rollback') return 'failback';
  const phase = gateId.replace(/^approve-/, '');
  return (APPROVAL_GATES as readonly string[]).includes(phase) && phase !== 'signoff'
    ? (phase as ApprovalGate)
    : undefined;
}

export function gateRuleOf(approvals: Approvals, gate: ApprovalGate): GateRule {
  const own = approvals.gates?.[gate];
  const roles = own?.roles ?? [];
  return {
    gate,
    own: own !== undefined,
    approvers: own?.approvers ?? approvals.approvers.map((a) => a.id),
    roles,
    quorum: own?.quorum ?? Math.max(approvals.quorum, roles.length),
  };
}

export function rolesOf(approvals: Approvals): Record<string, string[]> {
  return Object.fromEntries(approvals.approvers.map((a) => [a.id, a.roles ?? []]));
}

/**
 * How many of `roles` the people can fill, each person filling at most one role (a bipartite
 * matching by augmenting paths: one person holding two roles cannot be both approvals).
 */
export function rolesFilled(
  people: readonly string[],
  roles: readonly string[],
  held: Record<string, string[]>,
): number {
  const holderOf = new Map<string, string>();
  const assign = (person: string, seen: Set<string>): boolean => {
    for (const role of roles) {
      if (!(held[person] ?? []).includes(role) || seen.has(role)) continue;
      seen.add(role);
      const holder = holderOf.get(role);
      if (holder === undefined || assign(holder, seen)) {
        holderOf.set(role, person);
        return true;
      }
    }
    return false;
  };
  for (const person of new Set(people)) assign(person, new Set());
  return holderOf.size;
}

/**
 * Why an approval by `by` cannot count at this gate (undefined: it counts). `approvedBy` are the
 * approvals taken so far. An approval counts when it fills a role still open, or when the quorum
 * leaves room for it beside the approvals the open roles still need.
 */
export function whyNotCounted(
  rule: GateRule,
  held: Record<string, string[]>,
  approvedBy: readonly string[],
  by: string,
): string | undefined {
  if (!rule.approvers.includes(by))
    return `${by} may not approve the ${rule.gate} gate (its approvers: ${rule.approvers.join(', ')})`;
  if (!rule.roles.length) return undefined;
  const openBefore = rule.roles.length - rolesFilled(approvedBy, rule.roles, held);
  const openAfter = rule.roles.length - rolesFilled([...approvedBy, by], rule.roles, held);
  if (openAfter < openBefore || rule.quorum - approvedBy.length - 1 >= openBefore) return undefined;
  // A role is still open when someone holding only it would fill one more role than now.
  const filled = rule.roles.length - openBefore;
  const open = rule.roles.filter(
    (role) => rolesFilled([...approvedBy, OPEN_PROBE], rule.roles, { ...held, [OPEN_PROBE]: [role] }) > filled,
  );
  const holders = rule.approvers.filter((id) => id !== by && open.some((role) => (held[id] ?? []).includes(role)));
  return `${by} holds none of the roles the ${rule.gate} gate still needs (${open.join(', ')}); it waits for an approval by ${holders.length ? holders.join(' or ') : 'a holder of one'}`;
}

/** A name no person has (ids are plain text): stands for "someone holding only this role". */
const OPEN_PROBE = '\u0000probe';

/**
 * Why nobody could ever approve this gate (undefined: someone can): too few approvers for the
 * quorum, or roles the approvers cannot fill with different people. `starter`, under four-eyes,
 * cannot approve: a plan check passes none, a drill's start passes who starts it.
 */
export function whyUnapprovable(
  rule: GateRule,
  held: Record<string, string[]>,
  fourEyes: boolean,
  starter?: string,
): string | undefined {
  const name = rule.own ? `the ${rule.gate} gate` : 'each gate';
  const barred = fourEyes && starter !== undefined && rule.approvers.includes(starter);
  const people = barred ? rule.approvers.filter((id) => id !== starter) : rule.approvers;
  const without = barred ? `, and ${starter} started this drill, so under fourEyes cannot approve it` : '';
  if (people.length < rule.quorum)
    return `${name} needs ${rule.quorum} approvals but has ${rule.approvers.length} approver(s) (${rule.approvers.join(', ')})${without}: nobody could approve it`;
  const filled = rolesFilled(people, rule.roles, held);
  if (filled < rule.roles.length) {
    const holders = rule.roles.map(
      (role) => `${role}: ${people.filter((id) => (held[id] ?? []).includes(role)).join(', ') || 'nobody'}`,
    );
    return `${name} needs an approval per role (${rule.roles.join(', ')}), each by a different person, but only ${filled} can be filled (${holders.join('; ')})${without}`;
  }
  return undefined;
}

/** The gates every drill of this mode opens: its phases' approvals and the sign-off (the way back is opened only after an abort). */
export function gatesOfMode(mode: DrillMode): ApprovalGate[] {
  const phases = PHASES_BY_MODE[mode].filter((phase) => PHASES_NEEDING_APPROVAL.includes(phase)) as ApprovalGate[];
  return [...phases, 'signoff'];
}

/** Why each gate of a drill of this mode, started by `starter`, could never be approved (empty: all can). */
export function unapprovableGates(approvals: Approvals, mode: DrillMode, starter: string): string[] {
  const held = rolesOf(approvals);
  const found = gatesOfMode(mode).map((gate) =>
    whyUnapprovable(gateRuleOf(approvals, gate), held, approvals.fourEyes, starter),
  );
  return [...new Set(found.filter((why): why is string => why !== undefined))];
}

/** What a gate needs, in a few words: `2 of alice, bob, carol, one per role: dba, change-manager`. */
export function describeGateRule(rule: GateRule): string {
  const roles = rule.roles.length ? `, one per role: ${rule.roles.join(', ')}` : '';
  return `${rule.quorum} of ${rule.approvers.join(', ')}${roles}`;
}

/** Each gate with a rule of its own, described (`failover: 2 of …`); empty without approvals.gates. */
export function gateRulesDescribed(approvals: Approvals): string[] {
  return APPROVAL_GATES.filter((gate) => approvals.gates?.[gate]).map(
    (gate) => `${gate}: ${describeGateRule(gateRuleOf(approvals, gate))}`,
  );
}
