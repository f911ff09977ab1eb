/**
 * `kind: autoscaling`: an Auto Scaling group per site built from one AMI (MISP's web nodes). The
 * serving site's group runs the capacity; the other stands by (0 or a pilot light). The drill
 * remembers the capacity it scaled away in a tag on the group itself.
 */
import { z } from 'zod';
import { TIERS } from '../../domain';
import { region, stepTuning, waits } from '../kit/schema/stackFields';

const site = z.strictObject({
  group: z.string().min(1).max(255),
  region: region.optional(),
  standbyCapacity: z.number().int().min(0).default(0),
});

export const autoscalingComponent = z.strictObject({
  kind: z.literal('autoscaling'),
  tier: z.enum(TIERS).default('app'),
  description: z.string().optional(),
  ...stepTuning,
  capacity: z.number().int().min(1).optional(),
  ...waits(15 * 60_000, 5000),
  primary: site,
  secondary: site,
});
