/** The data-tier activities (MySQL/MariaDB, PostgreSQL, OpenSearch) as one set of step drivers. */
import { createMysqlActivities } from './mysql';
import { createOpensearchActivities } from './opensearch';
import { createPostgresActivities } from './postgres';
import type { StepDrivers } from './types';
import type { MysqlAction, OpensearchAction, PostgresAction } from '../domain';

export function createDatastoreActivities(deps: { workdir: string }): StepDrivers<MysqlAction | PostgresAction | OpensearchAction> {
  return {
    ...createMysqlActivities(),
    ...createPostgresActivities(deps),
    ...createOpensearchActivities(),
  };
}
