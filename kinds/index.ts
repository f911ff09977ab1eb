/**
 * Every component kind, as the workflow side sees it (workflow-safe: no zod, no I/O). A new kind is
 * its folder (kinds/<kind>/) and one line in each registry: KINDS here, COMPONENT_SCHEMAS in
 * kinds/schemas.ts, createKindActivities in kinds/activities.ts. Each registry is typed by the
 * kinds registered in domain/components.ts, so the compiler names a kind missing from any of them.
 */
import { service } from './service';
import { mysql } from './mysql';
import { postgres } from './postgres';
import { opensearch } from './opensearch';
import { route53 } from './route53';
import { haproxy } from './haproxy';
import { lbHealthFile } from './lbHealthFile';
import { sharedStorage } from './sharedStorage';
import { rds } from './rds';
import { autoscaling } from './autoscaling';
import { elbv2 } from './elbv2';
import { efs } from './efs';
import { redis } from './redis';
import { rabbitmq } from './rabbitmq';
import { kubernetes } from './kubernetes';
import { s3 } from './s3';
import { elasticache } from './elasticache';
import { DOMAIN_ACTIONS, type ComponentKind, type StepAction } from '../domain';
import type { KindDefinition } from './kit/kind';

export const KINDS: { [K in ComponentKind]: KindDefinition<K> } = {
  service,
  mysql,
  postgres,
  opensearch,
  route53,
  haproxy,
  lbHealthFile,
  sharedStorage,
  rds,
  autoscaling,
  elbv2,
  efs,
  redis,
  rabbitmq,
  kubernetes,
  s3,
  elasticache,
};

/** Every action a step can name: the domain's (drivers, TIP checks) and every kind's. */
export const STEP_ACTIONS: readonly StepAction[] = [
  ...DOMAIN_ACTIONS,
  ...Object.values(KINDS).flatMap((k) => k.actions),
];

/** Health checks that wait for a bound of their own (KindDefinition.healthChecksThatWait): no start grace on top. */
export const HEALTH_CHECKS_THAT_WAIT: readonly StepAction[] = Object.values(KINDS).flatMap(
  (k) => k.healthChecksThatWait ?? [],
);
