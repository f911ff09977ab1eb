/**
 * Every action a step can name, with the type of its arguments. `manualTask` is the one action the
 * workflow handles itself (it waits for a person); all others are activities of the same name.
 */
import { MYSQL_ACTIONS, OPENSEARCH_ACTIONS, POSTGRES_ACTIONS, type MysqlArgs, type OpensearchArgs, type PostgresArgs, type MysqlAction, type OpensearchAction, type PostgresAction } from './datastores';
import { DRIVER_ACTIONS, type CommandArgs, type HttpArgs, type ManualArgs } from './drivers';
import { ASG_ACTIONS, type AsgAction, type AsgArgs } from './autoscaling';
import { EFS_ACTIONS, type EfsAction, type EfsArgs } from './efs';
import { ELBV2_ACTIONS, type Elbv2Action, type Elbv2Args } from './elbv2';
import { HAPROXY_ACTIONS, type HaproxyAction, type HaproxyArgs } from './haproxy';
import { HEALTH_FILE_ACTIONS, type HealthFileAction, type HealthFileArgs } from './lbHealthFile';
import { KUBERNETES_ACTIONS, type KubernetesAction, type KubernetesArgs } from './kubernetes';
import { OPENSEARCH_SITES_ACTIONS, type OpensearchSitesAction, type OpensearchSitesArgs } from './opensearchSites';
import { RABBITMQ_ACTIONS, type RabbitmqAction, type RabbitmqArgs } from './rabbitmq';
import { RDS_ACTIONS, type RdsAction, type RdsArgs } from './rds';
import { REDIS_ACTIONS, type RedisAction, type RedisArgs } from './redis';
import { ROUTE53_ACTIONS, type Route53Action, type Route53Args } from './route53';
import { S3_ACTIONS, type S3Action, type S3Args } from './s3';
import { TIP_ACTIONS, type TipAction, type TipArgs } from './tip';
import { TIP_PROTECTION_ACTIONS, TIP_RECOVERY_ACTIONS, type TipProtectionAction, type TipProtectionArgs, type TipRecoveryAction, type TipRecoveryArgs } from './tipRecovery';
import { STORAGE_ACTIONS, type StorageAction, type StorageArgs } from './sharedStorage';

export * from './datastores';
export * from './drivers';
export * from './kubernetes';
export * from './opensearchSites';
export * from './rabbitmq';
export * from './redis';
export * from './route53';
export * from './autoscaling';
export * from './efs';
export * from './elbv2';
export * from './rds';
export * from './haproxy';
export * from './lbHealthFile';
export * from './sharedStorage';
export * from './s3';
export * from './tip';
export * from './tipRecovery';

/**
 * A component's check may wait for what it checks: asked again (every second, heartbeating) until it
 * passes, for at most `within` ms (activities/within.ts). The compiler sets it on health checks right
 * after a start; a command or HTTP check carries its own `within` in its driver, a TIP check in its
 * thresholds.
 */
export interface WaitingCheck {
  within?: number;
}

/** The arguments of the component kinds' actions, each of which may wait (WaitingCheck). */
type ComponentActionArgs = Record<MysqlAction, MysqlArgs> &
  Record<PostgresAction, PostgresArgs> &
  Record<OpensearchAction, OpensearchArgs> &
  Record<Route53Action, Route53Args> &
  Record<RedisAction, RedisArgs> &
  Record<RabbitmqAction, RabbitmqArgs> &
  Record<KubernetesAction, KubernetesArgs> &
  Record<S3Action, S3Args> &
  Record<OpensearchSitesAction, OpensearchSitesArgs> &
  Record<HaproxyAction, HaproxyArgs> &
  Record<HealthFileAction, HealthFileArgs> &
  Record<StorageAction, StorageArgs> &
  Record<RdsAction, RdsArgs> &
  Record<AsgAction, AsgArgs> &
  Record<Elbv2Action, Elbv2Args> &
  Record<EfsAction, EfsArgs> &
  Record<TipAction, TipArgs> &
  Record<TipRecoveryAction, TipRecoveryArgs> &
  Record<TipProtectionAction, TipProtectionArgs>;

export type ActionArgs = { runCommand: CommandArgs; checkHttp: HttpArgs; manualTask: ManualArgs } & { [A in keyof ComponentActionArgs]: ComponentActionArgs[A] & WaitingCheck };

/**
 * Health checks that already wait for what they check, for a bound the plan sets (HAProxy's and the
 * ELB's waitTimeout, the health file's wait, OpenSearch's status wait within the component's
 * timeout, the restore timeout of per-site clusters): no start grace on top, which would only
 * lengthen a failing wait.
 */
export const HEALTH_CHECKS_THAT_WAIT: readonly StepAction[] = ['haproxyHealth', 'elbv2Health', 'healthFileCheck', 'opensearchHealth', 'opensearchClusterHealth'];

export const STEP_ACTIONS = [
  ...DRIVER_ACTIONS,
  ...MYSQL_ACTIONS,
  ...POSTGRES_ACTIONS,
  ...OPENSEARCH_ACTIONS,
  ...ROUTE53_ACTIONS,
  ...REDIS_ACTIONS,
  ...RABBITMQ_ACTIONS,
  ...KUBERNETES_ACTIONS,
  ...S3_ACTIONS,
  ...OPENSEARCH_SITES_ACTIONS,
  ...TIP_ACTIONS,
  ...TIP_RECOVERY_ACTIONS,
  ...TIP_PROTECTION_ACTIONS,
  ...HAPROXY_ACTIONS,
  ...HEALTH_FILE_ACTIONS,
  ...STORAGE_ACTIONS,
  ...RDS_ACTIONS,
  ...ASG_ACTIONS,
  ...ELBV2_ACTIONS,
  ...EFS_ACTIONS,
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];
export type ActivityStepAction = Exclude<StepAction, 'manualTask'>;

/** Every action has arguments and every argument type an action: the list and the map agree. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const actionsAgree: Same<StepAction, keyof ActionArgs> = true;
void actionsAgree;
