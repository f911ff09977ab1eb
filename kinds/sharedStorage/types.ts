/** What a validated plan says about a `sharedStorage` component (shared storage); kinds/sharedStorage/schema.ts validates YAML into it. */
import type { Driver, ComponentBase } from '../../domain/drivers';

export interface SharedStorageSite {
  /** The shared folder (a mount) as the site's hosts see it. */
  path: string;
  /** Runs the checks on the site's host: an argv prefix such as [ssh, misp-dc1]; the worker itself when absent. */
  via?: string[];
  /** The path must be a mount point (mountpoint -q), not a folder left behind by a failed mount. */
  mountpoint: boolean;
  /** Makes this site's copy the writable one (reverses the replication), when something must. */
  activate?: Driver;
}

export interface SharedStorageComponent extends ComponentBase {
  kind: 'sharedStorage';
  tier: 'database';
  /** Longest wait for a canary file written on one site to be read on the other. */
  canaryTimeout: number;
  primary: SharedStorageSite;
  secondary: SharedStorageSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    sharedStorage: SharedStorageComponent;
  }
}
