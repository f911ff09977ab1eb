/** What a validated plan says about a `mysql` component (MySQL 8 / MariaDB master-master); kinds/mysql/schema.ts validates YAML into it. */
import type { SecretRef, ComponentBase, Driver, ProcessDrivers } from '../../domain/drivers';

export interface MysqlSite extends ProcessDrivers {
  host: string;
  port: number;
  /** Re-seeds this site's node from the other site's writer when it came back with writes that never replicated. */
  reseed?: Driver;
}

/** A MySQL 8 / MariaDB master-master pair; the writer moves by read_only. */
export interface MysqlComponent extends ComponentBase {
  kind: 'mysql';
  tier: 'database';
  topology: 'master-master';
  user: string;
  password: SecretRef;
  canaryDatabase: string;
  catchUpTimeout: number;
  killSessionsOf: string[];
  primary: MysqlSite;
  secondary: MysqlSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    mysql: MysqlComponent;
  }
}
