/**
 * What a validated plan says, as plain types: the compiler, the workflow, the activities and the CLI
 * read these. src/plan/schema.ts validates a YAML file into exactly this shape (a compile-time check
 * there keeps the two in step); durations are milliseconds here.
 */
import type { PhaseId } from './phases';
import type { SiteRole } from './sites';

/** Where the worker finds a secret at the moment of use; exactly one of the two is set. */
export interface SecretRef {
  env?: string;
  file?: string;
}

export type EnvValue = string | SecretRef;

export interface CommandDriver {
  argv: string[];
  env?: Record<string, EnvValue>;
  cwd?: string;
  /** Run through /bin/sh -c: only when the plan asks (pipes, globs), never by default. */
  shell: boolean;
  timeout?: number;
  expectExit: number[];
  /** A check of something that takes time to appear: run it again until it passes, for at most this long. */
  within?: number;
}

export interface HttpDriver {
  url: string;
  method: 'GET' | 'HEAD' | 'POST';
  expectStatus: number[];
  bodyMatch?: string;
  headers?: Record<string, EnvValue>;
  timeout?: number;
  /** A check of something that takes time to appear (jobs on the new side): ask again until it passes, for at most this long. */
  within?: number;
}

/** How one operation on one site is carried out: exactly one of a command, an HTTP check or a person. */
export interface Driver {
  command?: CommandDriver;
  http?: HttpDriver;
  manual?: string;
}

/** Where a component sits in the stack: stop order is app, search, database; start order the reverse. */
export const TIERS = ['app', 'search', 'database', 'traffic'] as const;
export type Tier = (typeof TIERS)[number];

/** Overrides of the plan's defaults for every step of one component. */
export interface StepTuning {
  timeout?: number;
  retries?: number;
}

export interface ServiceSite {
  health?: Driver;
  stop?: Driver;
  start?: Driver;
  reboot?: Driver;
  maintenanceOn?: Driver;
  maintenanceOff?: Driver;
}

interface ComponentBase extends StepTuning {
  description?: string;
}

/** A service run by commands and checked over HTTP: app servers, search or database nodes, load balancers. */
export interface ServiceComponent extends ComponentBase {
  kind: 'service';
  tier: Tier;
  primary: ServiceSite;
  secondary: ServiceSite;
}

/** Process drivers every data-tier site may have. */
export interface ProcessDrivers {
  stop?: Driver;
  start?: Driver;
  reboot?: Driver;
}

export interface MysqlSite extends ProcessDrivers {
  host: string;
  port: number;
}

/** A MySQL 8 / MariaDB master-master pair; the writer moves by read_only. */
export interface MysqlComponent extends ComponentBase {
  kind: 'mysql';
  tier: 'database';
  topology: 'master-master';
  user: string;
  password: SecretRef;
  canaryDatabase: string;
  catchUpTimeout: number;
  killSessionsOf: string[];
  primary: MysqlSite;
  secondary: MysqlSite;
}

export interface PostgresSite extends ProcessDrivers {
  host: string;
  port: number;
  /** Makes this site's node a standby of the other site's primary. */
  rewind?: Driver;
}

export interface PostgresComponent extends ComponentBase {
  kind: 'postgres';
  tier: 'database';
  user: string;
  password: SecretRef;
  database: string;
  catchUpTimeout: number;
  primary: PostgresSite;
  secondary: PostgresSite;
}

export interface OpensearchSite extends ProcessDrivers {
  url: string;
  /** The node's name (node.name), used to drain it before a stop. */
  node: string;
}

export interface OpensearchSnapshotSettings {
  repository: string;
  maxAge: number;
  take: 'always' | 'if-missing' | 'never';
  indices?: string;
}

export interface OpensearchComponent extends ComponentBase {
  kind: 'opensearch';
  tier: 'search';
  username?: string;
  password?: SecretRef;
  minStatus: 'green' | 'yellow';
  snapshot?: OpensearchSnapshotSettings;
  canaryIndex: string;
  primary: OpensearchSite;
  secondary: OpensearchSite;
}

export interface Route53Site {
  values?: string[];
  setIdentifier?: string;
  healthCheckId?: string;
}

export interface Route53Record {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME';
  ttl: number;
}

export interface Route53Component extends ComponentBase {
  kind: 'route53';
  tier: 'traffic';
  hostedZoneId: string;
  record: Route53Record;
  routing: 'simple' | 'failover';
  primary: Route53Site;
  secondary: Route53Site;
  waitTimeout: number;
  pollInterval: number;
}

export type Component = ServiceComponent | MysqlComponent | PostgresComponent | OpensearchComponent | Route53Component;
export type ComponentKind = Component['kind'];
export type ComponentOfKind<K extends ComponentKind> = Extract<Component, { kind: K }>;

export interface Approver {
  id: string;
  slack?: string;
  name?: string;
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
  heartbeatTimeout: number;
}

/** A team's own step, placed in one segment of one phase. */
export interface ExtraStep extends Driver {
  id: string;
  phase: PhaseId;
  /** One of the phase's segments; the phase's last segment when absent. */
  segment?: string;
  title: string;
  site?: SiteRole;
  destructive: boolean;
  timeout?: number;
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
  site?: SiteRole;
  http?: HttpDriver;
  command?: CommandDriver;
}

export const PLATFORMS = ['threatconnect', 'opencti', 'misp', 'generic'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface Plan {
  target: string;
  platform: Platform;
  description?: string;
  timezone: string;
  sites: Record<SiteRole, PlanSite>;
  approvals: Approvals;
  objectives: { rto?: number; rpo?: number };
  defaults: PlanDefaults;
  components: Record<string, Component>;
  steps: ExtraStep[];
  notifications: { slack?: SlackSettings };
  /** Read-only checks run before each destructive step of the phases that need approval; one failing pauses the drill. */
  stopConditions: StopConditionSpec[];
}
