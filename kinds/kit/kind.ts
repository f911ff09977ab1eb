/** What a component kind gives the workflow side: the actions its steps name and its recipe (both workflow-safe). */
import type { ComponentKind, ComponentOfKind, StepAction } from '../../domain';
import type { Recipe } from './recipe/recipe';

export interface KindDefinition<K extends ComponentKind = ComponentKind> {
  kind: K;
  /** Every action the kind's recipe writes and its activities serve. */
  actions: readonly StepAction[];
  recipe: Recipe<ComponentOfKind<K>>;
}

/** Ties a kind's name to its recipe's component type, so a recipe of another kind does not compile. */
export const defineKind = <K extends ComponentKind>(kind: K, definition: Omit<KindDefinition<K>, 'kind'>): KindDefinition<K> => ({ kind, ...definition });
