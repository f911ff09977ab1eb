/** Which recipe serves each component kind: read from the kinds' registry (kinds/index.ts). */
import type { Component } from '../domain';
import { KINDS } from './index';
import { recipeIn, recipesOf } from './kit/kind';
import type { Recipe } from './kit/recipe/recipe';

export const RECIPES = recipesOf(KINDS);

export const recipeFor = (component: Component): Recipe => recipeIn(RECIPES, component);
