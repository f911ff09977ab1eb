/** The `s3` kind as the workflow side sees it: the actions its steps name and the recipe that writes them (its schema: ./schema.ts; its activities: ./activities). */
import { S3_ACTIONS } from './actions';
import { s3Recipe } from './recipe';
import { defineKind } from '../kit/kind';

export const s3 = defineKind('s3', { actions: S3_ACTIONS, recipe: s3Recipe });
