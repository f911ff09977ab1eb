/**
 * The TIP profile of a plan: `platform: threatconnect | opencti | misp` with a `tip:` block adds the
 * DR guide's TIP checks (app and system health, indicators present, indicators download,
 * playbooks/automation, jobs on exactly one server) to the check phases, each speaking that
 * platform's API. Which checks a platform has, their thresholds and defaults live here, so the
 * schema, the compiler and the activities agree.
 */
import type { PhaseId } from './phases';
import type { TipPlatform } from './platforms';
import type { CommandDriver, EnvValue, SecretRef } from './drivers';
import type { TipProtection, TipRecovery, TipRecoveryCheckId, TipRecoveryState } from './tipRecovery';

/** Every check a profile can have; each platform has some of them (TIP_CHECKS). */
export const TIP_CHECK_IDS = [
  'health',
  'indicators',
  'download',
  'playbooks',
  'connectors',
  'workers',
  'jobs',
] as const;
export type TipCheckId = (typeof TIP_CHECK_IDS)[number];

/**
 * The DR guide's list as each platform answers it: OpenCTI's automation is its connectors, whose
 * heartbeat on the serving site only is also its "jobs on one server"; MISP's is its background
 * workers, and its scheduler worker is the job runner that must run on one node.
 */
export const TIP_CHECKS: Record<TipPlatform, readonly TipCheckId[]> = {
  threatconnect: ['health', 'indicators', 'download', 'playbooks', 'jobs'],
  opencti: ['health', 'indicators', 'download', 'connectors'],
  misp: ['health', 'indicators', 'download', 'workers', 'jobs'],
};

/** Thresholds a check may take; which ones each check takes is TIP_THRESHOLDS. Durations in ms. */
export interface TipThresholds {
  /** indicators: at least this many. */
  minCount?: number;
  /**
   * indicators (MISP only, TIP_THRESHOLD_PLATFORMS): where the figure comes from. `page` (the
   * default) reads a restSearch page, which since MISP 2.4.166 tells "more than N" or an exact count
   * below the page, never a total; `statistics` also sums GET /attributes/attributeStatistics/type,
   * a real total that counts soft-deleted attributes too.
   */
  total?: TipTotal;
  /** download: at least this many rows in the download. */
  minRows?: number;
  /** playbooks, connectors: at least this many active. */
  minActive?: number;
  /**
   * Retired in 0.5.0, refused by the plan (RETIRED_THRESHOLDS): the newest OpenCTI no longer moves
   * updated_at on a heartbeat, so no heartbeat age can be read; the platform's own `active` decides.
   * Kept in the type because compiled runbooks of earlier drills carry it.
   */
  maxHeartbeatAge?: number;
  /** workers: the queues that must each have a live worker. */
  queues?: string[];
  /** jobs (MISP): the queue of the worker that runs scheduled tasks. */
  schedulerQueue?: string;
  /** Ask again until the check passes, for at most this long (things that take time to appear after a start). */
  within?: number;
}

/** MISP indicators: how the count is read (TipThresholds.total). */
export const TIP_TOTALS = ['page', 'statistics'] as const;
export type TipTotal = (typeof TIP_TOTALS)[number];

export const TIP_THRESHOLDS: Record<TipCheckId, readonly (keyof TipThresholds)[]> = {
  health: ['within'],
  indicators: ['minCount', 'total', 'within'],
  download: ['minRows', 'within'],
  playbooks: ['minActive', 'within'],
  connectors: ['minActive', 'within'],
  workers: ['queues', 'within'],
  jobs: ['schedulerQueue', 'within'],
};

/** Thresholds only some platforms' checks take; the others refuse them naming these platforms. */
export const TIP_THRESHOLD_PLATFORMS: Partial<Record<keyof TipThresholds, readonly TipPlatform[]>> = {
  total: ['misp'],
};

/** Thresholds earlier releases took, with what a plan that still names one is told. */
export const RETIRED_THRESHOLDS: Partial<Record<keyof TipThresholds, string>> = {
  maxHeartbeatAge:
    "retired: OpenCTI's own active field (a heartbeat within 5 minutes) decides whether a connector is alive; the newest OpenCTI keeps heartbeats in Redis and no longer moves updated_at, so no heartbeat age can be read. Remove it",
};

/** What each check expects unless the plan says otherwise (MISP's scheduler queue is `scheduler`). */
export const TIP_DEFAULTS: Record<TipCheckId, TipThresholds> = {
  health: {},
  indicators: { minCount: 1 },
  download: { minRows: 1 },
  playbooks: { minActive: 0 },
  connectors: { minActive: 1 },
  workers: { queues: ['default', 'prio', 'email', 'cache', 'update'] },
  jobs: {},
};

/**
 * Phases whose TIP checks are the first after a start: pre-reboot has none, so the check phase is the
 * first look at the restarted primary; jobs, connectors and workers take a moment to appear.
 */
export const TIP_CHECKS_AFTER_A_START: readonly PhaseId[] = ['check', 'failover-check', 'failback-check'];

/** A check switched off (`off`), or its thresholds. */
export type TipCheckSetting = 'off' | TipThresholds;

/** One site of the platform: its base URL and API credentials (secrets as references only). */
export interface TipSite {
  /** The platform's base URL (`https://cti.ams1.example.com`); API paths are added to it. */
  url: string;
  /**
   * OpenCTI: the API's own base URL where it differs from `url` (the platform's API/connector
   * endpoint, an internal load balancer): GraphQL goes there (every check but /health, the test
   * indicator's create and delete); /health and the TAXII feed consumers read stay on `url`.
   */
  apiUrl?: string;
  /** ThreatConnect: `TC-Token` API token; OpenCTI: the bearer token of the API user. */
  token?: SecretRef;
  /** ThreatConnect HMAC: the API user's access id (not a secret) and its secret key. */
  accessId?: EnvValue;
  secretKey?: SecretRef;
  /** OpenCTI: APP__HEALTH_ACCESS_KEY for /health. */
  healthKey?: SecretRef;
  /** MISP: the API key sent as `Authorization`. */
  key?: SecretRef;
  /** ThreatConnect: prints this app server's monitorsEnabled (true/false) as it runs now; it is a file on the host. */
  monitorsEnabled?: { command: CommandDriver };
  /** ThreatConnect: this site's app server as job executions name it (serverName). */
  serverName?: string;
  /** What this site's API cannot say of its recovery state (a cold standby's release, MISP's key digests): domain/tipRecovery.ts. */
  recoveryState?: TipRecoveryState;
}

export interface TipProfile {
  primary: TipSite;
  secondary: TipSite;
  /** One API request's timeout. */
  timeout: number;
  /** Per check: `off`, or thresholds; absent checks run with the defaults. */
  checks: Partial<Record<TipCheckId | TipRecoveryCheckId, TipCheckSetting>>;
  /** What the recovery-state checks compare beyond the APIs (domain/tipRecovery.ts). */
  recovery?: TipRecovery;
  /** The test indicator whose return after the switch is the time to protection; absent: none is planted. */
  protection?: TipProtection;
}
