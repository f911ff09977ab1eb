/** What a validated plan says about a `elbv2` component (ELBv2 target groups); kinds/elbv2/schema.ts validates YAML into it. */
import type { ComponentBase } from '../../domain/drivers';

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

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    elbv2: Elbv2Component;
  }
}
