/** The `route53` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { ROUTE53_ACTIONS } from './actions';
import { route53Recipe } from './recipe';
import { defineKind } from '../kit/kind';

export const route53 = defineKind('route53', { actions: ROUTE53_ACTIONS, recipe: route53Recipe });
