/**
 * Build B's recipes, for the upgrade test: today's, except that the service recipe's titles say
 * "build B". Bundled in place of workflows/runbook/recipes/index.ts.
 */
import type { Component } from '../../../domain';
import type { Recipe } from '../../../workflows/runbook/recipe';
import { RECIPES } from '../../../workflows/runbook/recipes/registry';

const serviceB: Recipe = {
  tier: (component) => RECIPES.service.tier(component as Extract<Component, { kind: 'service' }>),
  steps: (operation, component, context) =>
    RECIPES.service.steps(operation, component as Extract<Component, { kind: 'service' }>, context).map((draft) => ({ ...draft, title: `${draft.title} (build B)` })),
};

export function recipeFor(component: Component): Recipe {
  return component.kind === 'service' ? serviceB : (RECIPES[component.kind] as Recipe);
}
