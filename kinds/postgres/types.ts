/** What a validated plan says about a `postgres` component (PostgreSQL streaming replication); kinds/postgres/schema.ts validates YAML into it. */
import type { SecretRef, Driver, ComponentBase, ProcessDrivers } from '../../domain/drivers';

export interface PostgresSite extends ProcessDrivers {
  host: string;
  port: number;
  /** Makes this site's node a standby of the other site's primary. */
  rewind?: Driver;
}

export interface PostgresComponent extends ComponentBase {
  kind: 'postgres';
  tier: 'database';
  user: string;
  password: SecretRef;
  database: string;
  catchUpTimeout: number;
  primary: PostgresSite;
  secondary: PostgresSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    postgres: PostgresComponent;
  }
}
