/**
 * `kind: rds`: Amazon RDS. `multi-az` fails over between two Availability Zones (reboot with
 * failover); `read-replica` promotes a cross-region replica for a regional DR; `aurora-cluster`
 * fails a cluster over to another member; `aurora-global` switches a global cluster's writer region.
 */
import { z } from 'zod';
import { RDS_MODES } from './types';
import { region, stepTuning, waits } from '../kit/schema/stackFields';

const identifier = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9-]{0,62}$|^arn:aws[a-z-]*:rds:/,
    'expected an RDS identifier (letters, digits, dashes) or an ARN',
  );
const site = z.strictObject({
  region: region.optional(),
  availabilityZone: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'expected an Availability Zone such as eu-west-1a')
    .optional(),
  instance: identifier.optional(),
  cluster: identifier.optional(),
  multiAz: z.boolean().optional(),
});

/** What each mode needs, said as the plan's paths. */
const NEEDS: Record<
  (typeof RDS_MODES)[number],
  {
    top: ('instance' | 'cluster' | 'globalCluster')[];
    site: ('availabilityZone' | 'instance' | 'cluster' | 'region')[];
  }
> = {
  'multi-az': { top: ['instance'], site: ['availabilityZone'] },
  'read-replica': { top: [], site: ['instance'] },
  'aurora-cluster': { top: ['cluster'], site: ['instance'] },
  'aurora-global': { top: ['globalCluster'], site: ['cluster', 'region'] },
};

export const rdsComponent = z
  .strictObject({
    kind: z.literal('rds'),
    tier: z.literal('database').default('database'),
    description: z.string().optional(),
    ...stepTuning,
    mode: z.enum(RDS_MODES),
    instance: identifier.optional(),
    cluster: identifier.optional(),
    globalCluster: identifier.optional(),
    region: region.optional(),
    // A Multi-AZ failover takes 1-2 minutes, a promotion several: wait generously, look every 10 s.
    ...waits(30 * 60_000, 10_000),
    primary: site,
    secondary: site,
  })
  .superRefine((component, ctx) => {
    const needs = NEEDS[component.mode];
    for (const key of needs.top)
      if (!component[key])
        ctx.addIssue({ code: 'custom', path: [key], message: `mode ${component.mode} needs ${key}` });
    for (const role of ['primary', 'secondary'] as const) {
      for (const key of needs.site)
        if (!component[role][key])
          ctx.addIssue({
            code: 'custom',
            path: [role, key],
            message: `mode ${component.mode} needs each site's ${key}`,
          });
    }
    if (component.primary.multiAz !== undefined && component.mode !== 'read-replica')
      ctx.addIssue({
        code: 'custom',
        path: ['primary', 'multiAz'],
        message: `applies to mode read-replica (a Multi-AZ instance inside the primary region); mode ${component.mode} fails over with its own mode`,
      });
    if (component.secondary.multiAz !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['secondary', 'multiAz'],
        message:
          'accepted only on primary: the drill fails an instance over inside its site while it reboots that site (pre-reboot), and pre-reboot reboots the primary',
      });
    if (component.mode === 'multi-az' && component.primary.availabilityZone === component.secondary.availabilityZone) {
      ctx.addIssue({
        code: 'custom',
        path: ['secondary', 'availabilityZone'],
        message: 'must differ from primary.availabilityZone: a Multi-AZ failover moves the writer to the standby zone',
      });
    }
  });
