/**
 * Every component kind's step drivers (the worker side of kinds/index.ts: I/O allowed here, never
 * in the workflow bundle). A new kind adds one line; the return type names an action left without
 * a driver.
 */
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { ActivityStepAction } from '../domain';
import type { DRIVER_ACTIONS, TIP_ACTIONS, TIP_PROTECTION_ACTIONS, TIP_RECOVERY_ACTIONS } from '../domain';
import { createAsgActivities } from './autoscaling/activities';
import { createEfsActivities } from './efs/activities';
import { createElasticacheActivities } from './elasticache/activities';
import { createElbv2Activities } from './elbv2/activities';
import { createHaproxyActivities } from './haproxy/activities';
import { lazyAwsClients, type AwsClients } from './kit/aws';
import type { StepDrivers } from './kit/activities/types';
import { createKubernetesActivities } from './kubernetes/activities';
import { createHealthFileActivities } from './lbHealthFile/activities';
import { createMysqlActivities } from './mysql/activities';
import { createOpensearchKindActivities } from './opensearch/activities';
import { createPostgresActivities } from './postgres/activities';
import { createRabbitmqActivities } from './rabbitmq/activities';
import { createRdsActivities } from './rds/activities';
import { createRedisActivities } from './redis/activities';
import { createRoute53Activities } from './route53/activities';
import { createS3Activities } from './s3/activities';
import { createStorageActivities } from './sharedStorage/activities';

export interface KindActivityDeps {
  /** Working directory of commands with relative paths (a postgres site's rewind). */
  workdir: string;
  /** Route 53 client; by default one from the standard AWS chain, made at first use. */
  route53?: Route53Client;
  /** The AWS clients per region (kinds/kit/aws/clients.ts); by default from the standard AWS chain, made at first use. */
  aws?: AwsClients;
}

/** The actions a kind serves: every activity action but the domain's own (commands, HTTP, TIP checks). */
export type KindAction = Exclude<
  ActivityStepAction,
  (typeof DRIVER_ACTIONS | typeof TIP_ACTIONS | typeof TIP_RECOVERY_ACTIONS | typeof TIP_PROTECTION_ACTIONS)[number]
>;

export function createKindActivities(deps: KindActivityDeps): StepDrivers<KindAction> {
  const aws = lazyAwsClients(deps.aws);
  return {
    ...createMysqlActivities(deps),
    ...createPostgresActivities(deps),
    ...createOpensearchKindActivities(),
    ...createRoute53Activities(deps),
    ...createHaproxyActivities(),
    ...createHealthFileActivities({ aws }),
    ...createStorageActivities(),
    ...createRdsActivities({ aws }),
    ...createAsgActivities({ aws }),
    ...createElbv2Activities({ aws }),
    ...createEfsActivities({ aws }),
    ...createRedisActivities(),
    ...createRabbitmqActivities({ aws }),
    ...createKubernetesActivities(),
    ...createS3Activities(),
    ...createElasticacheActivities({ aws }),
  };
}
