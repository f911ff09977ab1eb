/** What a validated plan says about a `lbHealthFile` component (a load balancer's health-check file); kinds/lbHealthFile/schema.ts validates YAML into it. */
import type { ComponentBase } from '../../domain/drivers';

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

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    lbHealthFile: LbHealthFileComponent;
  }
}
