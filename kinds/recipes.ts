/** Which recipe serves each component kind: read from the kinds' registry (kinds/index.ts). */
import type { Component, ComponentKind, ComponentOfKind } from '../domain';
import { KINDS } from './index';
import type { Recipe } from './kit/recipe/recipe';

export const RECIPES = Object.fromEntries(Object.values(KINDS).map((k) => [k.kind, k.recipe])) as {
  [K in ComponentKind]: Recipe<ComponentOfKind<K>>;
};

export function recipeFor(component: Component): Recipe {
  return RECIPES[component.kind] as Recipe;
}
