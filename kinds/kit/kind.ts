/** What a component kind gives the workflow side: the actions its steps name and its recipe (both workflow-safe). */
import type { Component, ComponentKind, ComponentOfKind, StepAction } from '../../domain';
import type { Recipe } from './recipe/recipe';

export interface KindDefinition<K extends ComponentKind = ComponentKind> {
  kind: K;
  /** Every action the kind's recipe writes and its activities serve. */
  actions: readonly StepAction[];
  recipe: Recipe<ComponentOfKind<K>>;
  /**
   * Its health checks that already wait for what they check, for a bound the plan sets (HAProxy's
   * and the ELB's waitTimeout, the health file's wait, OpenSearch's status and restore waits): no
   * start grace on top, which would only lengthen a failing wait.
   */
  healthChecksThatWait?: readonly StepAction[];
}

/** Ties a kind's name to its recipe's component type, so a recipe of another kind does not compile. */
export const defineKind = <K extends ComponentKind>(
  kind: K,
  definition: Omit<KindDefinition<K>, 'kind'>,
): KindDefinition<K> => ({ kind, ...definition });

export type RecipesByKind = { [K in ComponentKind]: Recipe<ComponentOfKind<K>> };

/** Each kind's recipe by its name, from the kinds' registry (or a test build's variant of it). */
export const recipesOf = (kinds: { [K in ComponentKind]: KindDefinition<K> }): RecipesByKind =>
  Object.fromEntries(Object.values(kinds).map((k) => [k.kind, k.recipe])) as RecipesByKind;

/** The recipe of a component: what its kind does for each runbook operation. */
export const recipeIn = (recipes: RecipesByKind, component: Component): Recipe => recipes[component.kind] as Recipe;
