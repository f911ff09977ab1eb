/** The data-tier activities (MySQL/MariaDB, PostgreSQL, OpenSearch) as one set of step drivers. */
import type { DatastoreAction } from '../workflows/datastores';
import { createMysqlActivities } from './mysql';
import { createOpensearchActivities } from './opensearch';
import { createPostgresActivities } from './postgres';
import type { StepDriver } from './types';

export function createDatastoreActivities(deps: { workdir: string }): Record<DatastoreAction, StepDriver> {
  return {
    ...createMysqlActivities(),
    ...createPostgresActivities(deps),
    ...createOpensearchActivities(),
  };
}
