/** Step arguments of the healthFile* activities: each site's health-check file and what judges it. */
import type { SwitchArgs } from '../../domain/actions/switch';
import type { HealthFileSite } from './types';
import type { SiteRole } from '../../domain/sites';

export const HEALTH_FILE_ACTIONS = [
  'healthFilePreflight',
  'healthFileCheck',
  'healthFileRemove',
  'healthFileRestore',
  'healthFileOutCheck',
] as const;
export type HealthFileAction = (typeof HEALTH_FILE_ACTIONS)[number];

export type HealthFileArgs = SwitchArgs & {
  judgedBy: 'haproxy' | 'elbv2';
  haproxy?: { socket: string; backend: string };
  sites: Record<SiteRole, HealthFileSite>;
  waitTimeoutMs: number;
  pollIntervalMs: number;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<HealthFileAction, HealthFileArgs> {}
}
