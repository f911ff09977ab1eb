/** The `lbHealthFile` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { HEALTH_FILE_ACTIONS } from './actions';
import { lbHealthFileRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const lbHealthFile = defineKind('lbHealthFile', {
  actions: HEALTH_FILE_ACTIONS,
  recipe: lbHealthFileRecipe,
  healthChecksThatWait: ['healthFileCheck'],
});
