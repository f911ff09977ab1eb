/** The `autoscaling` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { ASG_ACTIONS } from './actions';
import { autoscalingRecipe } from './recipe';
import { defineKind } from '../kit/kind';

export const autoscaling = defineKind('autoscaling', { actions: ASG_ACTIONS, recipe: autoscalingRecipe });
