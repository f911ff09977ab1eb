/** The `haproxy` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { HAPROXY_ACTIONS } from './actions';
import { haproxyRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const haproxy = defineKind('haproxy', {
  actions: HAPROXY_ACTIONS,
  recipe: haproxyRecipe,
  healthChecksThatWait: ['haproxyHealth'],
});
