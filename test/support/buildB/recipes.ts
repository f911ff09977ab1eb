/**
 * Build B's recipes, for the upgrade test: today's, except that the service recipe's titles say
 * "build B". Bundled in place of kinds/recipes.ts.
 */
import type { Component, ComponentOfKind } from '../../../domain';
import { KINDS } from '../../../kinds';
import { recipeIn, recipesOf } from '../../../kinds/kit/kind';
import type { Recipe } from '../../../kinds/kit/recipe/recipe';

const todays = KINDS.service.recipe;
const serviceB: Recipe<ComponentOfKind<'service'>> = {
  tier: (component) => todays.tier(component),
  steps: (operation, component, context) =>
    todays.steps(operation, component, context).map((draft) => ({ ...draft, title: `${draft.title} (build B)` })),
};

export const RECIPES = { ...recipesOf(KINDS), service: serviceB };

export const recipeFor = (component: Component): Recipe => recipeIn(RECIPES, component);
