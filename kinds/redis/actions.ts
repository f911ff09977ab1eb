/** Step arguments of the redis* activities: a master and its replica on the other site. */
import type { SecretRef } from '../../domain/drivers';
import type { SiteRole } from '../../domain/sites';
import type { SqlEndpoint, SwitchArgs } from '../../domain/actions/switch';

export const REDIS_ACTIONS = [
  'redisHealth',
  'redisPreflight',
  'redisGuard',
  'redisFence',
  'redisPromote',
  'redisReprotect',
  'redisVerify',
  'redisAwaitReturn',
  'redisReprotected',
] as const;
export type RedisAction = (typeof REDIS_ACTIONS)[number];

export type RedisArgs = SwitchArgs & {
  sites: Record<SiteRole, SqlEndpoint>;
  username?: string;
  password?: SecretRef;
  catchUpTimeoutMs: number;
  /** min-replicas-to-write of a serving master: the fence raises it out of reach, a promote sets this back. */
  minReplicasToWrite: number;
  maxLagBytes?: number;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<RedisAction, RedisArgs> {}
}
