/** The `mysql` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { MYSQL_ACTIONS } from './actions';
import { mysqlRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const mysql = defineKind('mysql', { actions: MYSQL_ACTIONS, recipe: mysqlRecipe });
