/** What a validated plan says about a `service` component (A service run by commands and checked over HTTP); kinds/service/schema.ts validates YAML into it. */
import type { Driver, Tier, ComponentBase } from '../../domain/drivers';

export interface ServiceSite {
  health?: Driver;
  stop?: Driver;
  start?: Driver;
  reboot?: Driver;
  maintenanceOn?: Driver;
  maintenanceOff?: Driver;
}

/** A service run by commands and checked over HTTP: app servers, search or database nodes, load balancers. */
export interface ServiceComponent extends ComponentBase {
  kind: 'service';
  tier: Tier;
  primary: ServiceSite;
  secondary: ServiceSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    service: ServiceComponent;
  }
}
