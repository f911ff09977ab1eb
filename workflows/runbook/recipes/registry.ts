/** Which recipe serves each component kind. */
import type { Recipe } from '../recipe';
import { autoscalingRecipe } from './autoscaling';
import { efsRecipe } from './efs';
import { elbv2Recipe } from './elbv2';
import { haproxyRecipe } from './haproxy';
import { lbHealthFileRecipe } from './lbHealthFile';
import { mysqlRecipe } from './mysql';
import { opensearchRecipe } from './opensearch';
import { postgresRecipe } from './postgres';
import { rdsRecipe } from './rds';
import { route53Recipe } from './route53';
import { serviceRecipe } from './service';
import { sharedStorageRecipe } from './sharedStorage';
import type { Component, ComponentKind } from '../../../domain';

/** One recipe per component kind; the plan schema's COMPONENT_SCHEMAS lists the same kinds. */
export const RECIPES: { [K in ComponentKind]: Recipe<Extract<Component, { kind: K }>> } = {
  service: serviceRecipe,
  mysql: mysqlRecipe,
  postgres: postgresRecipe,
  opensearch: opensearchRecipe,
  route53: route53Recipe,
  haproxy: haproxyRecipe,
  lbHealthFile: lbHealthFileRecipe,
  sharedStorage: sharedStorageRecipe,
  rds: rdsRecipe,
  autoscaling: autoscalingRecipe,
  elbv2: elbv2Recipe,
  efs: efsRecipe,
};
