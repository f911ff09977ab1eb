/**
 * Component kinds a plan can name. Each kind has a schema here and a recipe in
 * workflows/runbook/recipes/ that turns it into steps; a new kind adds one of each.
 */
import { z } from 'zod';
import { mysqlComponent, opensearchComponent, postgresComponent, type MysqlComponent, type OpensearchComponent, type PostgresComponent } from './datastores';
import { driver, duration } from './fields';
import { route53Component, type Route53Component } from './route53';

/** Where a component sits in the stack: stop order is app, search, database; start order the reverse. */
export const TIERS = ['app', 'search', 'database', 'traffic'] as const;
export type Tier = (typeof TIERS)[number];

const stepTuning = {
  /** Overrides the plan's defaults for every step of this component. */
  timeout: duration.optional(),
  retries: z.number().int().min(1).max(100).optional(),
};

/** A service run by commands and checked over HTTP: app servers, search or database nodes, load balancers. */
const serviceSite = z.strictObject({
  health: driver.optional(),
  stop: driver.optional(),
  start: driver.optional(),
  reboot: driver.optional(),
  maintenanceOn: driver.optional(),
  maintenanceOff: driver.optional(),
});
export type ServiceSite = z.output<typeof serviceSite>;

export const serviceComponent = z.strictObject({
  kind: z.literal('service'),
  tier: z.enum(TIERS).default('app'),
  description: z.string().optional(),
  ...stepTuning,
  primary: serviceSite,
  secondary: serviceSite,
});
export type ServiceComponent = z.output<typeof serviceComponent>;

export const COMPONENT_SCHEMAS = {
  service: serviceComponent,
  mysql: mysqlComponent,
  postgres: postgresComponent,
  opensearch: opensearchComponent,
  route53: route53Component,
} as const;

export type ComponentKind = keyof typeof COMPONENT_SCHEMAS;

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

export type Component = ServiceComponent | MysqlComponent | PostgresComponent | OpensearchComponent | Route53Component;
