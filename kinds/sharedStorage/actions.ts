/** Step arguments of the storage* activities: the shared folder of each site and the canary's bound. */
import type { SwitchArgs } from '../../domain/actions/switch';
import type { SiteRole } from '../../domain/sites';

export const STORAGE_ACTIONS = [
  'storagePreflight',
  'storageHealth',
  'storageGuard',
  'storageVerify',
  'storageAwaitReturn',
  'storageFenced',
] as const;
export type StorageAction = (typeof STORAGE_ACTIONS)[number];

export type StorageArgs = SwitchArgs & {
  sites: Record<SiteRole, { path: string; via?: string[]; mountpoint: boolean }>;
  canaryTimeoutMs: number;
  /** storageHealth: the site serves (its copy must take writes) or stands by (readable is enough). */
  serving?: boolean;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<StorageAction, StorageArgs> {}
}
