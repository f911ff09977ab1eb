/** Step arguments of the healthFile* activities: each site's health-check file and what judges it. */
import type { SwitchArgs } from './datastores';
import type { HealthFileSite } from '../plan';
import type { SiteRole } from '../sites';

export const HEALTH_FILE_ACTIONS = ['healthFilePreflight', 'healthFileCheck', 'healthFileRemove', 'healthFileRestore'] as const;
export type HealthFileAction = (typeof HEALTH_FILE_ACTIONS)[number];

export type HealthFileArgs = SwitchArgs & {
  judgedBy: 'haproxy' | 'elbv2';
  haproxy?: { socket: string; backend: string };
  sites: Record<SiteRole, HealthFileSite>;
  waitTimeoutMs: number;
  pollIntervalMs: number;
};
