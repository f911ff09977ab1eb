/** Step arguments of the tip* activities: one profile check of the TIP on the site that serves. */
import type { SiteRole } from '../sites';
import type { TipPlatform } from '../platforms';
import type { TipCheckId, TipSite, TipThresholds } from '../tip';

/** One action per check, so metrics and reports tell them apart. */
export const TIP_ACTIONS = [
  'tipHealth',
  'tipIndicators',
  'tipDownload',
  'tipPlaybooks',
  'tipConnectors',
  'tipWorkers',
  'tipJobs',
] as const;
export type TipAction = (typeof TIP_ACTIONS)[number];

export const TIP_ACTION_OF: Record<TipCheckId, TipAction> = {
  health: 'tipHealth',
  indicators: 'tipIndicators',
  download: 'tipDownload',
  playbooks: 'tipPlaybooks',
  connectors: 'tipConnectors',
  workers: 'tipWorkers',
  jobs: 'tipJobs',
};

export type TipArgs = {
  platform: TipPlatform;
  check: TipCheckId;
  /** The site that serves in this phase; the check runs against it (and, for "one server", reads the other). */
  serving: SiteRole;
  siteNames: Record<SiteRole, string>;
  sites: Record<SiteRole, TipSite>;
  /** A planned switch (drill, failback): the other site must answer for "exactly one" to be told; in an outage it may be gone. */
  planned: boolean;
  /** The thresholds this check runs with, defaults filled in. */
  thresholds: TipThresholds;
  requestTimeoutMs: number;
};
