/** The `kubernetes` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { KUBERNETES_ACTIONS } from './actions';
import { kubernetesRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const kubernetes = defineKind('kubernetes', { actions: KUBERNETES_ACTIONS, recipe: kubernetesRecipe });
