/** The `postgres` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { POSTGRES_ACTIONS } from './actions';
import { postgresRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const postgres = defineKind('postgres', { actions: POSTGRES_ACTIONS, recipe: postgresRecipe });
