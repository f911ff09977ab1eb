/** Which recipe serves each component kind. */
import type { Recipe } from '../recipe';
import { autoscalingRecipe } from './autoscaling';
import { efsRecipe } from './efs';
import { elbv2Recipe } from './elbv2';
import { haproxyRecipe } from './haproxy';
import { lbHealthFileRecipe } from './lbHealthFile';
import { kubernetesRecipe } from './kubernetes';
import { mysqlRecipe } from './mysql';
import { opensearchAnyRecipe } from './opensearchSites';
import { postgresRecipe } from './postgres';
import { rdsRecipe } from './rds';
import { rabbitmqRecipe } from './rabbitmq';
import { redisRecipe } from './redis';
import { route53Recipe } from './route53';
import { s3Recipe } from './s3';
import { serviceRecipe } from './service';
import { sharedStorageRecipe } from './sharedStorage';
import type { Component, ComponentKind } from '../../../domain';

/** One recipe per component kind; the plan schema's COMPONENT_SCHEMAS lists the same kinds. */
export const RECIPES: { [K in ComponentKind]: Recipe<Extract<Component, { kind: K }>> } = {
  service: serviceRecipe,
  mysql: mysqlRecipe,
  postgres: postgresRecipe,
  opensearch: opensearchAnyRecipe,
  route53: route53Recipe,
  haproxy: haproxyRecipe,
  lbHealthFile: lbHealthFileRecipe,
  sharedStorage: sharedStorageRecipe,
  rds: rdsRecipe,
  autoscaling: autoscalingRecipe,
  elbv2: elbv2Recipe,
  efs: efsRecipe,
  redis: redisRecipe,
  rabbitmq: rabbitmqRecipe,
  kubernetes: kubernetesRecipe,
  s3: s3Recipe,
};
