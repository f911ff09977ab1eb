/** The `rabbitmq` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { RABBITMQ_ACTIONS } from './actions';
import { rabbitmqRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const rabbitmq = defineKind('rabbitmq', { actions: RABBITMQ_ACTIONS, recipe: rabbitmqRecipe });
