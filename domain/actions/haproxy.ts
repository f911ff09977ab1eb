/** Step arguments of the haproxy* activities: one backend, the servers of each site, how a site is taken out. */
import type { SwitchArgs } from './datastores';
import type { SiteRole } from '../sites';

export const HAPROXY_ACTIONS = ['haproxyPreflight', 'haproxyHealth', 'haproxyDrain', 'haproxySwitch', 'haproxyReady'] as const;
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
