/** The `elbv2` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { ELBV2_ACTIONS } from './actions';
import { elbv2Recipe } from './recipe';
import { defineKind } from '../kit/kind';

export const elbv2 = defineKind('elbv2', {
  actions: ELBV2_ACTIONS,
  recipe: elbv2Recipe,
  healthChecksThatWait: ['elbv2Health'],
});
