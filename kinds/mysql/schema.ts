/** The plan schema of a `mysql` component: per-site endpoints, the drill account (its password a secret reference, never a value), optional process drivers. */
import { z } from 'zod';
import { driver, duration, secretRef, stepTuning } from '../kit/schema/fields';
import { host, port, processDrivers } from '../kit/schema/siteFields';

const mysqlSite = z.strictObject({
  host,
  port,
  ...processDrivers,
  /** Re-seeds this site's node from the other site's writer after an outage (the lab: lab.sh reseed mariadb SITE). */
  reseed: driver.optional(),
});

export const mysqlComponent = z.strictObject({
  kind: z.literal('mysql'),
  tier: z.literal('database').default('database'),
  description: z.string().optional(),
  ...stepTuning,
  /** Both sides replicate from each other; the writer moves by read_only. */
  topology: z.literal('master-master').default('master-master'),
  user: z.string().min(1),
  password: secretRef,
  /** Database for the drill's canary table (created when missing). */
  canaryDatabase: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/, 'expected a database name of letters, digits and _')
    .default('drillbook'),
  /** Longest wait for the candidate to apply everything the old writer wrote (planned switchover). */
  catchUpTimeout: duration.default(60_000),
  /** Accounts whose sessions are killed when the old writer is fenced (app accounts). */
  killSessionsOf: z.array(z.string().min(1)).default([]),
  primary: mysqlSite,
  secondary: mysqlSite,
});
