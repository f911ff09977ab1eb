/** The `service` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { serviceRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const service = defineKind('service', { actions: [], recipe: serviceRecipe });
