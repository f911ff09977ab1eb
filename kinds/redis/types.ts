/** What a validated plan says about a `redis` component (Redis master and replica); kinds/redis/schema.ts validates YAML into it. */
import type { SecretRef, ComponentBase, ProcessDrivers } from '../../domain/drivers';

export interface RedisSite extends ProcessDrivers {
  host: string;
  port: number;
}

/** A Redis master and its replica on the other site (Redis 6.2+: FAILOVER, INFO replication). */
export interface RedisComponent extends ComponentBase {
  kind: 'redis';
  tier: 'database';
  username?: string;
  password?: SecretRef;
  /** Longest wait for the new master to hold everything the old one wrote. */
  catchUpTimeout: number;
  /** min-replicas-to-write of a serving master; the fence sets it out of reach and a promote sets it back. */
  minReplicasToWrite: number;
  /** A planned switch refuses a replica more than this many bytes behind (besides the RPO in time). */
  maxLagBytes?: number;
  primary: RedisSite;
  secondary: RedisSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    redis: RedisComponent;
  }
}
