/**
 * What a validated plan says, as plain types: the compiler, the workflow, the activities and the CLI
 * read these. plan/schema.ts validates a YAML file into exactly this shape (a compile-time check
 * there keeps the two in step); durations are milliseconds here.
 */
import type { DrillMode, PhaseId } from './phases';
import type { SiteRole } from './sites';
import type { Component } from './components';
import type { CommandDriver, Driver, HttpDriver, SsmDriver } from './drivers';
import type { Platform } from './platforms';
import type { TipProfile } from './tip';
import type { PlanPrecheck, PlanSchedule } from './schedules';

export interface Approver {
  id: string;
  slack?: string;
  name?: string;
  /** What this person may approve as (`dba`, `change-manager`): a gate can ask one approval per role. */
  roles?: string[];
}

/** The gates a plan can give rules of their own; the way back after an abort (`rollback`) follows `failback`'s. */
export const APPROVAL_GATES = ['pre-reboot', 'failover', 'failback', 'reprotect', 'signoff'] as const;
export type ApprovalGate = (typeof APPROVAL_GATES)[number];

/** One gate's own rule: who may approve it, which roles must each approve, how many approvals it needs. */
export interface GateApprovals {
  /** Ids from approvals.approvers; every approver when absent. */
  approvers?: string[];
  /** One approval by a holder of each role, each by a different person. */
  roles?: string[];
  /** Distinct approvals; at least one per role. The plan's quorum (or the number of roles) when absent. */
  quorum?: number;
}

export interface Approvals {
  approvers: Approver[];
  /** People who may retry/skip/abort failed steps and complete manual tasks, beside the approvers. */
  operators: string[];
  /** The person who started a drill may not approve it. */
  fourEyes: boolean;
  /** Distinct approvals each gate needs. */
  quorum: number;
  reminderAfter: number;
  timeout: number;
  /** Rules of single gates; a gate without one takes approvers, quorum and fourEyes above. */
  gates?: Partial<Record<ApprovalGate, GateApprovals>>;
}

export interface RetryDefaults {
  maximumAttempts: number;
  initialInterval: number;
  backoffCoefficient: number;
  maximumInterval: number;
}

export interface PlanDefaults {
  retry: RetryDefaults;
  stepTimeout: number;
  /** How long a running step may go without a heartbeat before it runs again elsewhere (its worker died). */
  heartbeatTimeout: number;
}

/**
 * How often a running activity heartbeats (kinds/kit/activities/heartbeat.ts; the worker sends each
 * beat): twice a second, so a 2 s timeout still lets a beat be 1.5 s late (a busy event loop, a slow
 * network) before a step whose worker lives is taken from it.
 */
export const HEARTBEAT_EVERY_MS = 500;
/**
 * A plan's heartbeat timeout when it gives none, and the least it may give. A step whose worker was
 * killed runs again on another worker this long after the last beat, plus the retry's first
 * interval: the lab plans set the least, 2 s (with their 1 s retry: ~2.5-3 s from the kill; 20.7 s
 * with 0.7.0's 20 s). The default stays 30 s because a short one has a cost on a cluster: when a
 * history host dies, its shards move to another, and the new owner fires the heartbeat timeouts that
 * fell due meanwhile, so a step whose worker lives runs a second time (test/cluster saw it at 2 s).
 * A plan lowers it where resume matters more than that.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
export const MIN_HEARTBEAT_TIMEOUT_MS = 2000;

/** A team's own step, placed in one segment of one phase. */
export interface ExtraStep extends Driver {
  id: string;
  phase: PhaseId;
  /** One of the phase's segments; the phase's last segment when absent. */
  segment?: string;
  title: string;
  site?: SiteRole;
  destructive: boolean;
  /** Changes nothing (a smoke test that only reads): may run as a local activity when short. */
  readOnly?: boolean;
  timeout?: number;
  /** The modes whose runbooks include it; every mode when absent. */
  modes?: DrillMode[];
  /** Plan steps of the same phase and segment that must run before it. */
  after?: string[];
  /** Retries after the first attempt (0: exactly one attempt, then an operator decides); the plan's default when absent. */
  retries?: number;
  /** Overrides of defaults.retry for this step alone. */
  retry?: Partial<RetryDefaults>;
  /** Steps of one phase and segment naming the same block run at once, each in its own lane. */
  parallel?: string;
}

export interface PlanSite {
  name: string;
  description?: string;
}

export interface SlackSettings {
  channel: string;
  users: Record<string, string>;
}

/** A stop condition as the plan writes it: an HTTP or command check (exactly one), on a site or none. */
export interface StopConditionSpec {
  id: string;
  title: string;
  /** `serving`: resolved per phase to the site that phase moves service to (failover: secondary; failback, pre-reboot: primary). */
  site?: SiteRole | 'serving';
  /** Checked only before the destructive steps of these phases (among those that need approval); all when absent. */
  phases?: PhaseId[];
  /** Only in drills of these modes; every mode when absent. */
  modes?: DrillMode[];
  http?: HttpDriver;
  command?: CommandDriver;
  ssm?: SsmDriver;
}

export interface Plan {
  target: string;
  platform: Platform;
  /** The platform's API per site, for the profile's TIP checks (threatconnect, opencti, misp). Absent: no TIP checks. */
  tip?: TipProfile;
  description?: string;
  timezone: string;
  sites: Record<SiteRole, PlanSite>;
  approvals: Approvals;
  /** protection: from the first stop until the test indicator is served again on the new site (tip.protection). */
  objectives: { rto?: number; rpo?: number; protection?: number };
  defaults: PlanDefaults;
  components: Record<string, Component>;
  steps: ExtraStep[];
  notifications: { slack?: SlackSettings };
  /** Read-only checks run before each destructive step of the phases that need approval; one failing pauses the drill. */
  stopConditions: StopConditionSpec[];
  /** The plan's drill schedules, applied by `drillbook schedule sync PLAN` (domain/schedules.ts). */
  schedules: PlanSchedule[];
  /** Readiness prechecks on a schedule, applied by `schedule sync` too. */
  precheck?: PlanPrecheck;
}
