/** Step arguments of the route53* activities: the plan's record plus the site a step is about. */
import type { Route53Alias, Route53Record } from './types';
import type { SiteRole } from '../../domain/sites';

export const ROUTE53_ACTIONS = ['route53Preflight', 'route53Check', 'route53Switch'] as const;
export type Route53Action = (typeof ROUTE53_ACTIONS)[number];

export type Route53Args = {
  component: string;
  hostedZoneId: string;
  record: Route53Record;
  routing: 'simple' | 'failover';
  sites: Record<
    SiteRole,
    { name: string; values?: string[]; alias?: Route53Alias; setIdentifier?: string; healthCheckId?: string }
  >;
  /** The site the record must point at (check) or be made to point at (switch). */
  site: SiteRole;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  /** Absent in drills compiled before 0.5.0: read as `required` (a 404 from the answer test fails). */
  answerTest?: 'required' | 'unavailable';
  /** The plan's RTO: a TTL longer than it means resolvers may outlast the objective. */
  rtoMs?: number;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<Route53Action, Route53Args> {}
}
