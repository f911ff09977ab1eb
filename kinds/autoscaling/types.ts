/** What a validated plan says about a `autoscaling` component (EC2 Auto Scaling groups); kinds/autoscaling/schema.ts validates YAML into it. */
import type { Tier, ComponentBase } from '../../domain/drivers';

export interface AutoscalingSite {
  group: string;
  region?: string;
  /** What the group is scaled to while the other site serves (0, or a pilot light). */
  standbyCapacity: number;
}

export interface AutoscalingComponent extends ComponentBase {
  kind: 'autoscaling';
  tier: Tier;
  /** Instances the serving site runs; by default what the other site's group ran before the drill scaled it down. */
  capacity?: number;
  waitTimeout: number;
  pollInterval: number;
  primary: AutoscalingSite;
  secondary: AutoscalingSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    autoscaling: AutoscalingComponent;
  }
}
