/**
 * The plan schema of every component kind (kinds/<kind>/schema.ts), by kind: the loader's side of
 * kinds/index.ts. A new kind adds one line; `satisfies` names a kind left without one.
 */
import type { z } from 'zod';
import { mysqlComponent } from './mysql/schema';
import { postgresComponent } from './postgres/schema';
import { serviceComponent } from './service/schema';
import { autoscalingComponent } from './autoscaling/schema';
import { efsComponent } from './efs/schema';
import { elbv2Component } from './elbv2/schema';
import { haproxyComponent } from './haproxy/schema';
import { lbHealthFileComponent } from './lbHealthFile/schema';
import { rdsComponent } from './rds/schema';
import { kubernetesComponent } from './kubernetes/schema';
import { opensearchAnyComponent } from './opensearch/schema';
import { rabbitmqComponent } from './rabbitmq/schema';
import { redisComponent } from './redis/schema';
import { s3Component } from './s3/schema';
import { elasticacheComponent } from './elasticache/schema';
import { route53Component } from './route53/schema';
import { sharedStorageComponent } from './sharedStorage/schema';
import type { ComponentKind } from '../domain';
import type { ReferenceCheck } from './kit/schema/references';
import { checkProducers } from './rabbitmq/producers';

export const COMPONENT_SCHEMAS = {
  service: serviceComponent,
  mysql: mysqlComponent,
  postgres: postgresComponent,
  opensearch: opensearchAnyComponent,
  route53: route53Component,
  haproxy: haproxyComponent,
  lbHealthFile: lbHealthFileComponent,
  sharedStorage: sharedStorageComponent,
  rds: rdsComponent,
  autoscaling: autoscalingComponent,
  elbv2: elbv2Component,
  efs: efsComponent,
  redis: redisComponent,
  rabbitmq: rabbitmqComponent,
  kubernetes: kubernetesComponent,
  s3: s3Component,
  elasticache: elasticacheComponent,
} as const satisfies Record<ComponentKind, z.ZodType>;

/** What one kind's components say about another's, checked once every component is valid. */
export const REFERENCE_CHECKS: readonly ReferenceCheck[] = [checkProducers];
