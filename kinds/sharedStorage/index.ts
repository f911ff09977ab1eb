/** The `sharedStorage` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { STORAGE_ACTIONS } from './actions';
import { sharedStorageRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const sharedStorage = defineKind('sharedStorage', { actions: STORAGE_ACTIONS, recipe: sharedStorageRecipe });
