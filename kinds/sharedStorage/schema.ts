/**
 * `kind: sharedStorage`: a shared folder per site (EFS, NFS; MISP keeps /var/www/MISP on one) with
 * replication between the sites, or one store both sites mount. Checked on each site's host through
 * `via`; a canary file written on the serving site must be read on the other.
 */
import { z } from 'zod';
import { driver, duration } from '../kit/schema/fields';
import { absoluteThroughVia, hostPath, stepTuning, via } from '../kit/schema/stackFields';

const site = z.strictObject({
  path: hostPath,
  via: via.optional(),
  mountpoint: z.boolean().default(false),
  /** Makes this site's copy the writable source (the lab: lab.sh shared source SITE); none when the store does it alone. */
  activate: driver.optional(),
});

export const sharedStorageComponent = z
  .strictObject({
    kind: z.literal('sharedStorage'),
    tier: z.literal('database').default('database'),
    description: z.string().optional(),
    ...stepTuning,
    /** Longest wait for a canary written on one site to be read on the other. */
    canaryTimeout: duration.default(60_000),
    primary: site,
    secondary: site,
  })
  .superRefine((component, ctx) => {
    for (const role of ['primary', 'secondary'] as const) absoluteThroughVia(component[role], ctx, [role]);
  });
