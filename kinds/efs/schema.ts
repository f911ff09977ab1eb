/**
 * `kind: efs`: an EFS file system per region with replication from the primary's to the
 * secondary's. Failover deletes the replication so the destination becomes writable (destructive,
 * approved with its phase); failback reverses the replication into the primary's file system first.
 */
import { z } from 'zod';
import { duration } from '../kit/schema/fields';
import { region, stepTuning, waits } from '../kit/schema/stackFields';

const site = z.strictObject({
  fileSystemId: z.string().regex(/^fs-[0-9a-f]{8,40}$/, 'expected a file system id such as fs-0123456789abcdef0'),
  region: region.optional(),
});

export const efsComponent = z.strictObject({
  kind: z.literal('efs'),
  tier: z.literal('database').default('database'),
  description: z.string().optional(),
  ...stepTuning,
  /** The last sync must be this recent before a planned failover; the plan's RPO when absent. */
  maxSyncAge: duration.optional(),
  // AWS: the destination becomes writable "within several minutes" of the deletion.
  ...waits(20 * 60_000, 10_000),
  primary: site,
  secondary: site,
});
