/** What a validated plan says about a `haproxy` component (HAProxy backends); kinds/haproxy/schema.ts validates YAML into it. */
import type { ComponentBase } from '../../domain/drivers';

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

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    haproxy: HaproxyComponent;
  }
}
