/** The `opensearch` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { OPENSEARCH_ACTIONS } from './actions';
import { OPENSEARCH_SITES_ACTIONS } from './clusterPerSiteActions';
import { opensearchAnyRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const opensearch = defineKind('opensearch', {
  actions: [...OPENSEARCH_ACTIONS, ...OPENSEARCH_SITES_ACTIONS],
  recipe: opensearchAnyRecipe,
  healthChecksThatWait: ['opensearchHealth', 'opensearchClusterHealth'],
});
