/** The recipe of a component: what its kind does for each runbook operation. */
import type { Recipe } from '../recipe';
import { RECIPES } from './registry';
import type { Component } from '../../../domain';

export { RECIPES } from './registry';

export function recipeFor(component: Component): Recipe {
  return RECIPES[component.kind] as Recipe;
}
