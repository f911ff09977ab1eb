/** The `elasticache` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { ELASTICACHE_ACTIONS } from './actions';
import { elasticacheRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const elasticache = defineKind('elasticache', { actions: ELASTICACHE_ACTIONS, recipe: elasticacheRecipe });
