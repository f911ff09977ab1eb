/**
 * Build B's recipes, for the upgrade test: today's, except that the service recipe's titles say
 * "build B". Bundled in place of kinds/recipes.ts.
 */
import type { Component, ComponentKind, ComponentOfKind } from '../../../domain';
import { KINDS } from '../../../kinds';
import type { Recipe } from '../../../kinds/kit/recipe/recipe';

const todays = KINDS.service.recipe;
const serviceB: Recipe<ComponentOfKind<'service'>> = {
  tier: (component) => todays.tier(component),
  steps: (operation, component, context) =>
    todays.steps(operation, component, context).map((draft) => ({ ...draft, title: `${draft.title} (build B)` })),
};

export const RECIPES = {
  ...Object.fromEntries(Object.values(KINDS).map((k) => [k.kind, k.recipe])),
  service: serviceB,
} as { [K in ComponentKind]: Recipe<ComponentOfKind<K>> };

export function recipeFor(component: Component): Recipe {
  return RECIPES[component.kind] as Recipe;
}
