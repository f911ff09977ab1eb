/**
 * `kind: redis`: a Redis master on one site and its replica on the other (Redis 6.2+). The drill
 * account's password is a secret reference; process drivers (stop/start/reboot) are optional.
 */
import { z } from 'zod';
import { port } from '../kit/schema/siteFields';
import { driver, duration, secretRef, stepTuning } from '../kit/schema/fields';

const site = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(6379),
  stop: driver.optional(),
  start: driver.optional(),
  reboot: driver.optional(),
});

export const redisComponent = z.strictObject({
  kind: z.literal('redis'),
  tier: z.literal('database').default('database'),
  description: z.string().optional(),
  ...stepTuning,
  /** An ACL user (Redis 6+); the default user when absent. */
  username: z.string().min(1).optional(),
  password: secretRef.optional(),
  /** Longest wait for the new master to hold everything the fenced old one wrote. */
  catchUpTimeout: duration.default(30_000),
  /** min-replicas-to-write of a serving master (the fence raises it out of reach; a promote sets this back). */
  minReplicasToWrite: z.number().int().min(0).max(100).default(0),
  /** Besides the RPO in time: refuse a planned switch to a replica more than this many bytes behind. */
  maxLagBytes: z.number().int().min(0).optional(),
  primary: site,
  secondary: site,
});
