/**
 * A recipe says what one component kind does for each runbook operation. Recipes are pure: they
 * only describe steps, the activities named by `action` do the work.
 */
import type {
  ActionArgs,
  Component,
  DrillMode,
  PhaseId,
  Plan,
  RetrySpec,
  SiteRole,
  StepAction,
  StepMark,
  Tier,
} from '../../../domain';

export type Operation =
  /** Is it serving on `site`? */
  | 'health'
  /** Before anything changes: replication healthy, snapshots recent. Site-agnostic. */
  | 'preflight'
  | 'maintenance-on'
  | 'maintenance-off'
  | 'stop'
  | 'reboot'
  | 'start'
  /** Before a switch from `from` to `to`: refuse when it would lose data; write canaries. */
  | 'guard'
  /** Make `site` the active one: promote a database, point traffic at it. */
  | 'activate'
  /** After a switch: canaries arrived, the old side is really down. */
  | 'verify'
  /** Load balancers: take `site` out of rotation before its services stop. */
  | 'drain'
  /** Load balancers: put `site` back in rotation once its services started, and wait until it is seen serving. */
  | 'rejoin'
  /** Reprotect: wait until the lost `site` answers again (it may take hours: the step's timeout bounds it). */
  | 'await-return'
  /** Reprotect: the returned `site` cannot take writes while the other serves (checked, or made so). */
  | 'fence'
  /** Reprotect: make the returned `site` a replica of the serving one (rewind, re-seed, reverse a copy). */
  | 'reprotect'
  /** Reprotect check: the returned `site` replicates from the serving one and is caught up. */
  | 'reprotected';

export interface OperationContext {
  plan: Plan;
  mode: DrillMode;
  phase: PhaseId;
  /** The component's name in the plan. */
  name: string;
  /** The site this operation acts on. */
  site: SiteRole;
  /** The switch the phase makes (for preparation and checks: primary -> secondary). */
  from: SiteRole;
  to: SiteRole;
  /** A planned switchover (drill, failback) rather than an outage (failover mode). */
  planned: boolean;
}

export interface StepDraftCommon {
  /** Short, unique within the component and operation: `stop`, `health`, `fence`. */
  key: string;
  title: string;
  /** Defaults to the operation's site. */
  site?: SiteRole;
  destructive?: boolean;
  /** Changes nothing (see Step.readOnly). */
  readOnly?: boolean;
  marks?: StepMark[];
  timeoutMs?: number;
  heartbeatTimeoutMs?: number;
  retry?: Partial<RetrySpec>;
}

/** A step before the compiler gives it an id, retries and timeouts; its arguments typed by its action. */
export type StepDraft = { [A in StepAction]: StepDraftCommon & { action: A; args: ActionArgs[A] } }[StepAction];

export interface Recipe<C extends Component = Component> {
  tier(component: C): Tier;
  steps(operation: Operation, component: C, context: OperationContext): StepDraft[];
}
