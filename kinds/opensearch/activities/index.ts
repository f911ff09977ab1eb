/** The `opensearch` kind's step drivers: one cluster with a node per site, and one cluster per site. */
import type { StepDrivers } from '../../kit/activities/types';
import type { OpensearchAction } from '../actions';
import type { OpensearchSitesAction } from '../clusterPerSiteActions';
import { createOpensearchActivities } from './oneCluster';
import { createOpensearchSitesActivities } from './sites';

export function createOpensearchKindActivities(): StepDrivers<OpensearchAction | OpensearchSitesAction> {
  return { ...createOpensearchActivities(), ...createOpensearchSitesActivities() };
}
