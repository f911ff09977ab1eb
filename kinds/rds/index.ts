/** The `rds` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { RDS_ACTIONS } from './actions';
import { rdsRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const rds = defineKind('rds', { actions: RDS_ACTIONS, recipe: rdsRecipe });
