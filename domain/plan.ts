/**
 * What a validated plan says, as plain types: the compiler, the workflow, the activities and the CLI
 * read these. src/plan/schema.ts validates a YAML file into exactly this shape (a compile-time check
 * there keeps the two in step); durations are milliseconds here.
 */
import type { DrillMode, PhaseId } from './phases';
import type { SiteRole } from './sites';
import type { TipProfile } from './tip';

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
  /** A regular expression stdout must match, beside the exit code (a count, a role, a version). */
  expectOutput?: string;
  /** A check of something that takes time to appear: run it again until it passes, for at most this long. */
  within?: number;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One assertion on a JSON answer: the value at `path` (`data.items[0].count`) equals, is within, or exists. */
export interface JsonExpectation {
  path: string;
  equals?: JsonValue;
  min?: number;
  max?: number;
  exists?: boolean;
}

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface HttpDriver {
  /** Never carries a credential: the plan refuses one here and takes it in `query`. */
  url: string;
  /** Query parameters added to `url` when the check runs; a credential is a reference, resolved by the worker. */
  query?: Record<string, EnvValue>;
  method: HttpMethod;
  /** The request's body: a string is sent as text, anything else as JSON (a GraphQL query, a restSearch filter). */
  body?: JsonValue;
  expectStatus: number[];
  bodyMatch?: string;
  /** Assertions on the answer read as JSON; an answer that is not JSON fails them. */
  expectJson?: JsonExpectation[];
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
  /** How long its health checks right after a start ask again until they pass (START_GRACE_MS unless set). */
  within?: number;
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

/** OpenSearch as one cluster with a node per site (the default topology). */
export interface OpensearchComponent extends ComponentBase {
  kind: 'opensearch';
  tier: 'search';
  topology?: 'one-cluster';
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
  /**
   * Failover routing: whether Route 53's own answer (TestDNSAnswer) can be read where the drill runs.
   * `unavailable` is the plan's word that it cannot (an endpoint without the operation); the drill
   * then relies on the record and health-check read-back alone and says so. Otherwise an endpoint
   * that does not answer the test fails the check.
   */
  answerTest: 'required' | 'unavailable';
}

// ---- the MISP stack: load balancers, shared storage, AWS managed services ---------------------

/** An HAProxy backend whose servers are the sites' nodes, driven through the runtime API (stats socket). */
export interface HaproxySite {
  /** Server names in the backend that belong to this site. */
  servers: string[];
}

export interface HaproxyComponent extends ComponentBase {
  kind: 'haproxy';
  tier: 'traffic';
  /** The runtime API: a UNIX socket path, or host:port of a TCP `stats socket` (level admin). */
  socket: string;
  backend: string;
  /** What a site taken out of rotation is left as: `maint` (checks stop) or `drain` (checks go on). */
  takeOut: 'maint' | 'drain';
  /** Longest wait for a drained site's sessions to end before it is taken out anyway. */
  drainTimeout: number;
  /** Longest wait for the backend's checks to see a site's servers UP. */
  waitTimeout: number;
  pollInterval: number;
  primary: HaproxySite;
  secondary: HaproxySite;
}

/** One site's health-check file and what judges it: HAProxy servers or an ALB target group. */
export interface HealthFileSite {
  /** The file the load balancer's health check asks for, as the worker (or `via`) sees it. */
  path: string;
  /** Runs the file operations on the site's host: an argv prefix such as [ssh, misp-dc1]. */
  via?: string[];
  /** HAProxy: the backend's servers whose checks ask for this file. */
  servers?: string[];
  /** ALB: this site's target group, and its region when not the worker's. */
  targetGroupArn?: string;
  region?: string;
  /** ALB: the targets (instance ids or IPs) that serve the file; every target of the group when absent. */
  targets?: string[];
}

export interface LbHealthFileComponent extends ComponentBase {
  kind: 'lbHealthFile';
  tier: 'traffic';
  judgedBy: 'haproxy' | 'elbv2';
  haproxy?: { socket: string; backend: string };
  /** Longest wait for the load balancer to see a site unhealthy (file gone) or healthy (file back). */
  waitTimeout: number;
  pollInterval: number;
  primary: HealthFileSite;
  secondary: HealthFileSite;
}

export interface SharedStorageSite {
  /** The shared folder (a mount) as the site's hosts see it. */
  path: string;
  /** Runs the checks on the site's host: an argv prefix such as [ssh, misp-dc1]; the worker itself when absent. */
  via?: string[];
  /** The path must be a mount point (mountpoint -q), not a folder left behind by a failed mount. */
  mountpoint: boolean;
  /** Makes this site's copy the writable one (reverses the replication), when something must. */
  activate?: Driver;
}

export interface SharedStorageComponent extends ComponentBase {
  kind: 'sharedStorage';
  tier: 'database';
  /** Longest wait for a canary file written on one site to be read on the other. */
  canaryTimeout: number;
  primary: SharedStorageSite;
  secondary: SharedStorageSite;
}

export const RDS_MODES = ['multi-az', 'read-replica', 'aurora-cluster', 'aurora-global'] as const;
export type RdsMode = (typeof RDS_MODES)[number];

export interface RdsSite {
  region?: string;
  /** multi-az: the Availability Zone the writer runs in while this site serves. */
  availabilityZone?: string;
  /** read-replica: this site's DB instance; aurora-cluster: the member that writes while this site serves. */
  instance?: string;
  /** aurora-global: this site's regional cluster (identifier or ARN). */
  cluster?: string;
}

export interface RdsComponent extends ComponentBase {
  kind: 'rds';
  tier: 'database';
  mode: RdsMode;
  /** multi-az: the DB instance. */
  instance?: string;
  /** aurora-cluster: the DB cluster. */
  cluster?: string;
  /** aurora-global: the global cluster. */
  globalCluster?: string;
  /** Region of a single-region mode (multi-az, aurora-cluster) when not the worker's. */
  region?: string;
  waitTimeout: number;
  pollInterval: number;
  primary: RdsSite;
  secondary: RdsSite;
}

export interface AutoscalingSite {
  group: string;
  region?: string;
  /** What the group is scaled to while the other site serves (0, or a pilot light). */
  standbyCapacity: number;
}

export interface AutoscalingComponent extends ComponentBase {
  kind: 'autoscaling';
  tier: Tier;
  /** Instances the serving site runs; by default what the other site's group ran before the drill scaled it down. */
  capacity?: number;
  waitTimeout: number;
  pollInterval: number;
  primary: AutoscalingSite;
  secondary: AutoscalingSite;
}

export interface Elbv2Site {
  targetGroupArn: string;
  region?: string;
  /** Targets the drill registers and deregisters (instance ids, IPs, Lambda ARNs); none: only watched. */
  targets?: { id: string; port?: number }[];
  /** Healthy targets this site needs to count as serving; by default its listed targets, or 1. */
  minHealthy?: number;
}

export interface Elbv2Component extends ComponentBase {
  kind: 'elbv2';
  tier: 'traffic';
  waitTimeout: number;
  pollInterval: number;
  primary: Elbv2Site;
  secondary: Elbv2Site;
}

export interface EfsSite {
  fileSystemId: string;
  region?: string;
}

export interface EfsComponent extends ComponentBase {
  kind: 'efs';
  tier: 'database';
  /** The last sync must be at most this old; the plan's RPO when absent. */
  maxSyncAge?: number;
  waitTimeout: number;
  pollInterval: number;
  primary: EfsSite;
  secondary: EfsSite;
}

export type MispStackComponent = HaproxyComponent | LbHealthFileComponent | SharedStorageComponent | RdsComponent | AutoscalingComponent | Elbv2Component | EfsComponent;

/**
 * OpenSearch with one cluster per site (the seed's managed OpenSearch per region): the switch takes a
 * snapshot on the old side into a repository both sites read, and restores it on the new side.
 */
export interface OpensearchClusterSite extends ProcessDrivers {
  url: string;
}

export interface OpensearchSharedRepository {
  /** The repository's name, the same on both clusters. */
  repository: string;
  /** How the drill registers it (writable where it snapshots, read-only where it restores); absent: registered by the operator. */
  register?: { type: string; settings: Record<string, string | number | boolean> };
  /** Index pattern the switch snapshots and restores (the canary index is always added). */
  indices: string;
  /** A preflight accepts the newest successful snapshot only if it ended within this window. */
  maxAge: number;
}

export interface OpensearchSitesComponent extends ComponentBase {
  kind: 'opensearch';
  tier: 'search';
  topology: 'cluster-per-site';
  username?: string;
  password?: SecretRef;
  minStatus: 'green' | 'yellow';
  snapshot: OpensearchSharedRepository;
  canaryIndex: string;
  /** Longest wait for a snapshot or a restore to finish. */
  restoreTimeout: number;
  primary: OpensearchClusterSite;
  secondary: OpensearchClusterSite;
}

export interface RedisSite extends ProcessDrivers {
  host: string;
  port: number;
}

/** A Redis master and its replica on the other site (Redis 6.2+: FAILOVER, INFO replication). */
export interface RedisComponent extends ComponentBase {
  kind: 'redis';
  tier: 'database';
  username?: string;
  password?: SecretRef;
  /** Longest wait for the new master to hold everything the old one wrote. */
  catchUpTimeout: number;
  /** min-replicas-to-write of a serving master; the fence sets it out of reach and a promote sets it back. */
  minReplicasToWrite: number;
  /** A planned switch refuses a replica more than this many bytes behind (besides the RPO in time). */
  maxLagBytes?: number;
  primary: RedisSite;
  secondary: RedisSite;
}

export interface RabbitmqSite extends ProcessDrivers {
  /** The management HTTP API, e.g. http://mq-ams1:15672. */
  url: string;
}

/** Workloads of a `kubernetes` component that publish to the queues (connectors). */
export interface ProducerRef {
  kubernetes: string;
  workloads: string[];
}

/** One RabbitMQ per site; before a switch the producers stop and the platform's queues drain. */
export interface RabbitmqComponent extends ComponentBase {
  kind: 'rabbitmq';
  tier: 'database';
  username: string;
  password: SecretRef;
  vhost: string;
  /** The platform's queues: names matching this regular expression (all of the vhost when absent). */
  queues?: string;
  /** Drained means ready + unacknowledged at or under this, on every platform queue. */
  maxMessages: number;
  /** Longest wait for the queues to drain, connections to close, or consumers to come back. */
  waitTimeout: number;
  /** How often the management API refreshes its counts (collect_statistics_interval). */
  statsInterval: number;
  /** Users whose connections the fence closes (the platform, workers, connectors). */
  platformUsers: string[];
  /** Consumers the platform's queues need on the new side after a switch. */
  minConsumers: number;
  producers?: ProducerRef;
  primary: RabbitmqSite;
  secondary: RabbitmqSite;
}

export interface S3Site {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (MinIO, moto); AWS's own when absent. */
  endpoint?: string;
}

/** A bucket per site, replicated; the canary object proves the RPO. */
export interface S3Component extends ComponentBase {
  kind: 's3';
  tier: 'database';
  /** The store copies objects itself (S3 replication) or the plan's copy step does (`copy`). */
  replication: 's3' | 'copy';
  /** The command that copies the old side's bucket to the new side's, where the store does not replicate. */
  copy?: CommandDriver;
  replicationTimeout: number;
  forcePathStyle: boolean;
  primary: S3Site;
  secondary: S3Site;
}

export type KubernetesWorkloadKind = 'Deployment' | 'StatefulSet';

export interface KubernetesWorkload {
  kind: KubernetesWorkloadKind;
  name: string;
  /** Replicas to start with when the workload remembers none (a standby kept at 0). */
  replicas?: number;
}

export interface KubernetesSite {
  /** Path of the kubeconfig file the worker reads at the moment of use (it holds the credentials). */
  kubeconfig: string;
  context?: string;
  namespace: string;
}

/** Workloads on one cluster per site, started in the listed order and stopped in the reverse. */
export interface KubernetesComponent extends ComponentBase {
  kind: 'kubernetes';
  tier: 'app';
  workloads: KubernetesWorkload[];
  /** Longest wait for one workload's rollout to complete (or to scale to 0). */
  rolloutTimeout: number;
  primary: KubernetesSite;
  secondary: KubernetesSite;
}

export type Component =
  | ServiceComponent
  | MysqlComponent
  | PostgresComponent
  | OpensearchComponent
  | OpensearchSitesComponent
  | Route53Component
  | RedisComponent
  | RabbitmqComponent
  | KubernetesComponent
  | S3Component
  | MispStackComponent;
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
  /** Changes nothing (a smoke test that only reads): may run as a local activity when short. */
  readOnly?: boolean;
  timeout?: number;
  /** The modes whose runbooks include it; every mode when absent. */
  modes?: DrillMode[];
  /** Plan steps of the same phase and segment that must run before it. */
  after?: string[];
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
}
