/** The plan schema of a `postgres` component: per-site endpoints, the drill account (its password a secret reference, never a value), optional process drivers. */
import { z } from 'zod';
import { driver, duration, secretRef, stepTuning } from '../kit/schema/fields';
import { host, port, processDrivers } from '../kit/schema/siteFields';

const postgresSite = z.strictObject({
  host,
  port,
  ...processDrivers,
  /** Makes this site's node a standby of the other site's primary (the lab: lab.sh rewind postgres SITE). */
  rewind: driver.optional(),
});

export const postgresComponent = z.strictObject({
  kind: z.literal('postgres'),
  tier: z.literal('database').default('database'),
  description: z.string().optional(),
  ...stepTuning,
  user: z.string().min(1),
  password: secretRef,
  /** Database the drill connects to and keeps its canary table in. */
  database: z.string().min(1).default('postgres'),
  catchUpTimeout: duration.default(60_000),
  primary: postgresSite,
  secondary: postgresSite,
});
