/** Step arguments of the haproxy* activities: one backend, the servers of each site, how a site is taken out. */
import type { SwitchArgs } from '../../domain/actions/switch';
import type { SiteRole } from '../../domain/sites';

export const HAPROXY_ACTIONS = [
  'haproxyPreflight',
  'haproxyHealth',
  'haproxyDrain',
  'haproxySwitch',
  'haproxyReady',
  'haproxyFence',
] as const;
export type HaproxyAction = (typeof HAPROXY_ACTIONS)[number];

export type HaproxyArgs = SwitchArgs & {
  /** The runtime API: a UNIX socket path, or host:port. */
  socket: string;
  backend: string;
  servers: Record<SiteRole, string[]>;
  takeOut: 'maint' | 'drain';
  drainTimeoutMs: number;
  waitTimeoutMs: number;
  pollIntervalMs: number;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<HaproxyAction, HaproxyArgs> {}
}
