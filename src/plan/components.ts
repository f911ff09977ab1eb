/**
 * Component kinds a plan can name. Each kind has a schema here and a recipe in
 * workflows/runbook/recipes/ that turns it into steps; a new kind adds one of each.
 */
import { z } from 'zod';
import { mysqlComponent, postgresComponent } from './datastores';
import { driver, stepTuning } from './fields';
import { autoscalingComponent } from './autoscaling';
import { efsComponent } from './efs';
import { elbv2Component } from './elbv2';
import { haproxyComponent } from './haproxy';
import { lbHealthFileComponent } from './lbHealthFile';
import { rdsComponent } from './rds';
import { kubernetesComponent } from './kubernetes';
import { opensearchAnyComponent } from './opensearchSites';
import { rabbitmqComponent } from './rabbitmq';
import { redisComponent } from './redis';
import { s3Component } from './s3';
import { route53Component } from './route53';
import { sharedStorageComponent } from './sharedStorage';
import { TIERS, type Component } from '../../domain';



/** A service run by commands and checked over HTTP: app servers, search or database nodes, load balancers. */
const serviceSite = z.strictObject({
  health: driver.optional(),
  stop: driver.optional(),
  start: driver.optional(),
  reboot: driver.optional(),
  maintenanceOn: driver.optional(),
  maintenanceOff: driver.optional(),
});

export const serviceComponent = z.strictObject({
  kind: z.literal('service'),
  tier: z.enum(TIERS).default('app'),
  description: z.string().optional(),
  ...stepTuning,
  primary: serviceSite,
  secondary: serviceSite,
});

export const COMPONENT_SCHEMAS = {
  service: serviceComponent,
  mysql: mysqlComponent,
  postgres: postgresComponent,
  opensearch: opensearchAnyComponent,
  route53: route53Component,
  haproxy: haproxyComponent,
  lbHealthFile: lbHealthFileComponent,
  sharedStorage: sharedStorageComponent,
  rds: rdsComponent,
  autoscaling: autoscalingComponent,
  elbv2: elbv2Component,
  efs: efsComponent,
  redis: redisComponent,
  rabbitmq: rabbitmqComponent,
  kubernetes: kubernetesComponent,
  s3: s3Component,
} as const;


/**
 * Picks the schema by `kind` first, so an error inside a component keeps its full path
 * instead of collapsing into "no union member matched".
 */
export const component = z
  .looseObject({ kind: z.string({ error: () => `expected a component kind: one of ${Object.keys(COMPONENT_SCHEMAS).join(', ')}` }) })
  .transform((value, ctx) => {
  const schema = (COMPONENT_SCHEMAS as Record<string, z.ZodType>)[value.kind];
  if (!schema) {
    ctx.addIssue({
      code: 'custom',
      path: ['kind'],
      message: `unknown component kind "${value.kind}"; expected one of ${Object.keys(COMPONENT_SCHEMAS).join(', ')}`,
    });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return parsed.data as Component;
});

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

/** What one component says about another: a rabbitmq component's producers are workloads of a kubernetes component. */
export function checkComponentReferences(components: Record<string, Component>, ctx: IssueSink): void {
  for (const [name, c] of Object.entries(components)) {
    if (c.kind !== 'rabbitmq' || !c.producers) continue;
    const path = ['components', name, 'producers'];
    const target = components[c.producers.kubernetes];
    if (target?.kind !== 'kubernetes') {
      const options = Object.entries(components).filter(([, other]) => other.kind === 'kubernetes').map(([n]) => n);
      ctx.addIssue({ code: 'custom', path: [...path, 'kubernetes'], message: `expected the name of a kubernetes component${options.length ? ` (${options.join(', ')})` : ' (the plan has none)'}, got "${c.producers.kubernetes}"` });
      continue;
    }
    c.producers.workloads.forEach((workload, index) => {
      if (!target.workloads.some((w) => w.name === workload)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'workloads', index], message: `"${workload}" is not one of components.${c.producers?.kubernetes}.workloads (${target.workloads.map((w) => w.name).join(', ')})` });
      }
    });
  }
}
