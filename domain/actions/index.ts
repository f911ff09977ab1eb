/**
 * Every action a step can name, with the type of its arguments. `manualTask` is the one action the
 * workflow handles itself (it waits for a person); all others are activities of the same name.
 */
import { MYSQL_ACTIONS, OPENSEARCH_ACTIONS, POSTGRES_ACTIONS, type MysqlArgs, type OpensearchArgs, type PostgresArgs, type MysqlAction, type OpensearchAction, type PostgresAction } from './datastores';
import { DRIVER_ACTIONS, type CommandArgs, type HttpArgs, type ManualArgs } from './drivers';
import { KUBERNETES_ACTIONS, type KubernetesAction, type KubernetesArgs } from './kubernetes';
import { OPENSEARCH_SITES_ACTIONS, type OpensearchSitesAction, type OpensearchSitesArgs } from './opensearchSites';
import { RABBITMQ_ACTIONS, type RabbitmqAction, type RabbitmqArgs } from './rabbitmq';
import { REDIS_ACTIONS, type RedisAction, type RedisArgs } from './redis';
import { ROUTE53_ACTIONS, type Route53Action, type Route53Args } from './route53';
import { S3_ACTIONS, type S3Action, type S3Args } from './s3';
import { TIP_ACTIONS, type TipAction, type TipArgs } from './tip';

export * from './datastores';
export * from './drivers';
export * from './kubernetes';
export * from './opensearchSites';
export * from './rabbitmq';
export * from './redis';
export * from './route53';
export * from './s3';
export * from './tip';

export type ActionArgs = { runCommand: CommandArgs; checkHttp: HttpArgs; manualTask: ManualArgs } & Record<MysqlAction, MysqlArgs> &
  Record<PostgresAction, PostgresArgs> &
  Record<OpensearchAction, OpensearchArgs> &
  Record<Route53Action, Route53Args> &
  Record<RedisAction, RedisArgs> &
  Record<RabbitmqAction, RabbitmqArgs> &
  Record<KubernetesAction, KubernetesArgs> &
  Record<S3Action, S3Args> &
  Record<OpensearchSitesAction, OpensearchSitesArgs> &
  Record<TipAction, TipArgs>;

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
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];
export type ActivityStepAction = Exclude<StepAction, 'manualTask'>;

/** Every action has arguments and every argument type an action: the list and the map agree. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const actionsAgree: Same<StepAction, keyof ActionArgs> = true;
void actionsAgree;
