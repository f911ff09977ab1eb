/** The `redis` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { REDIS_ACTIONS } from './actions';
import { redisRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const redis = defineKind('redis', { actions: REDIS_ACTIONS, recipe: redisRecipe });
