/** The `efs` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { EFS_ACTIONS } from './actions';
import { efsRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const efs = defineKind('efs', { actions: EFS_ACTIONS, recipe: efsRecipe });
