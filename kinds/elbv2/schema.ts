/**
 * `kind: elbv2`: an ALB/NLB target group per site. Health is the number of healthy targets; the
 * drill can deregister a site's listed targets (draining) and register them again.
 */
import { z } from 'zod';
import { region, stepTuning, waits } from '../kit/schema/stackFields';

const site = z.strictObject({
  targetGroupArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]+$/,
      'expected a target group ARN: arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID',
    ),
  region: region.optional(),
  targets: z
    .array(z.strictObject({ id: z.string().min(1), port: z.number().int().min(1).max(65535).optional() }))
    .min(1)
    .optional(),
  minHealthy: z.number().int().min(1).optional(),
});

export const elbv2Component = z.strictObject({
  kind: z.literal('elbv2'),
  tier: z.literal('traffic').default('traffic'),
  description: z.string().optional(),
  ...stepTuning,
  ...waits(10 * 60_000, 5000),
  primary: site,
  secondary: site,
});
