/**
 * `kind: lbHealthFile`: the static file a load balancer's health check asks for (MISP behind an ALB
 * is judged by one in its webroot). Removing it takes a site's nodes out of rotation once the load
 * balancer sees them unhealthy; putting it back brings them in. Judged by HAProxy checks or by an
 * ALB target group.
 */
import { z } from 'zod';
import {
  absoluteThroughVia,
  hostPath,
  region,
  runtimeApi,
  serverNames,
  stepTuning,
  via,
  waits,
} from '../kit/schema/stackFields';

const site = z.strictObject({
  path: hostPath,
  via: via.optional(),
  servers: serverNames.optional(),
  targetGroupArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:elasticloadbalancing:/,
      'expected a target group ARN (arn:aws:elasticloadbalancing:…:targetgroup/…)',
    )
    .optional(),
  region: region.optional(),
  targets: z.array(z.string().min(1)).min(1).optional(),
});

export const lbHealthFileComponent = z
  .strictObject({
    kind: z.literal('lbHealthFile'),
    tier: z.literal('traffic').default('traffic'),
    description: z.string().optional(),
    ...stepTuning,
    judgedBy: z.enum(['haproxy', 'elbv2']),
    haproxy: z.strictObject({ socket: runtimeApi, backend: z.string().min(1) }).optional(),
    ...waits(120_000, 1000),
    primary: site,
    secondary: site,
  })
  .superRefine((component, ctx) => {
    if (component.judgedBy === 'haproxy' && !component.haproxy) {
      ctx.addIssue({
        code: 'custom',
        path: ['haproxy'],
        message:
          'judgedBy: haproxy needs the runtime API socket and backend: { socket: /run/haproxy/admin.sock, backend: misp }',
      });
    }
    for (const role of ['primary', 'secondary'] as const) {
      const entry = component[role];
      absoluteThroughVia(entry, ctx, [role]);
      if (component.judgedBy === 'haproxy' && !entry.servers)
        ctx.addIssue({
          code: 'custom',
          path: [role, 'servers'],
          message: 'judgedBy: haproxy needs the backend servers whose checks ask for this file',
        });
      if (component.judgedBy === 'elbv2' && !entry.targetGroupArn)
        ctx.addIssue({
          code: 'custom',
          path: [role, 'targetGroupArn'],
          message: 'judgedBy: elbv2 needs the target group whose health check asks for this file',
        });
    }
  });
