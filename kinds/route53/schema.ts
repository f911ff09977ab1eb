/**
 * `kind: route53`: the DNS record that sends users to the active site, the traffic tier's switch.
 * Either a simple record whose values, or alias target (each site's ALB), change with the site (an
 * UPSERT), or a pair of failover records (PRIMARY/SECONDARY with health checks) where the drill
 * inverts the primary's health check.
 * Credentials never appear here: the worker uses the standard AWS chain.
 */
import { z } from 'zod';
import { duration, stepTuning } from '../kit/schema/fields';

/** Route 53 answers with fully qualified names; normalising here makes read-back comparisons exact. */
const recordName = z
  .string()
  .regex(/^(\*\.)?([A-Za-z0-9_-]+\.)*[A-Za-z0-9_-]+\.?$/, 'expected a DNS name such as cti.example.com')
  .transform((name) => (name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`));

const hostedZoneId = z
  .string()
  .regex(/^(\/hostedzone\/)?[A-Z0-9]{1,32}$/, 'expected a hosted zone id such as Z0123456789ABCDEFGHIJ');

/** An alias to the site's load balancer (or another AWS target): Route 53 answers with its addresses. */
const alias = z.strictObject({
  /** The target's DNS name, as the load balancer gives it (DNSName). */
  dnsName: z
    .string()
    .regex(
      /^([A-Za-z0-9_-]+\.)+[A-Za-z0-9_-]+\.?$/,
      'expected the DNS name of the alias target such as misp-alb-123.eu-west-1.elb.amazonaws.com',
    ),
  /** The target's own zone (an ALB's CanonicalHostedZoneId), not the zone the record is in. */
  hostedZoneId,
  /** Route 53 answers with the target only while it is healthy (an ALB with no healthy targets is skipped). */
  evaluateTargetHealth: z.boolean().default(false),
});

const route53Site = z.strictObject({
  /** Simple routing: what the record holds while this site is active (IP addresses or one CNAME target). */
  values: z.array(z.string().min(1)).min(1).optional(),
  /** Simple routing: instead of values, the record is an alias to this site's target (an A or AAAA record). */
  alias: alias.optional(),
  /** Failover routing: this site's record set. */
  setIdentifier: z.string().min(1).optional(),
  /** Failover routing: the health check Route 53 watches for this site's record (required on the primary). */
  healthCheckId: z.string().min(1).optional(),
});

export const route53Component = z
  .strictObject({
    kind: z.literal('route53'),
    tier: z.literal('traffic').default('traffic'),
    description: z.string().optional(),
    ...stepTuning,
    hostedZoneId,
    record: z.strictObject({
      name: recordName,
      type: z.enum(['A', 'AAAA', 'CNAME']),
      /** Seconds; resolvers keep the old answer this long after the switch, so keep it low before a drill. */
      ttl: z.number().int().min(0).max(172_800).default(60),
    }),
    routing: z.enum(['simple', 'failover']).default('simple'),
    primary: route53Site,
    secondary: route53Site,
    /** Longest wait for Route 53 to report a change INSYNC on all its name servers. */
    waitTimeout: duration.default(10 * 60_000),
    /** First delay between change-status polls; AWS's own default of 30s is slow for a drill. */
    pollInterval: duration.default(5000),
    /**
     * Failover routing: `unavailable` says Route 53's answer test (TestDNSAnswer) cannot be asked
     * where the drill runs, so the record and health-check read-back are the only evidence. By
     * default an endpoint that does not answer the test fails the check: it could not tell.
     */
    answerTest: z
      .enum(['required', 'unavailable'], { message: 'expected required (the default) or unavailable' })
      .default('required'),
  })
  .superRefine((component, ctx) => {
    for (const site of ['primary', 'secondary'] as const) {
      const entry = component[site];
      if (component.routing === 'simple') {
        if (!entry.values && !entry.alias)
          ctx.addIssue({
            code: 'custom',
            path: [site, 'values'],
            message:
              "simple routing needs the values the record holds while this site is active, or an alias to the site's target ({ alias: { dnsName, hostedZoneId, evaluateTargetHealth } })",
          });
        if (entry.values && entry.alias)
          ctx.addIssue({
            code: 'custom',
            path: [site],
            message:
              'values and alias cannot both be given: a record either holds values or is an alias to a target; write one of them',
          });
        if (entry.alias && component.record.type === 'CNAME')
          ctx.addIssue({
            code: 'custom',
            path: [site, 'alias'],
            message: 'an alias to a load balancer is an A or AAAA record: set record.type to A (or AAAA)',
          });
        if (entry.setIdentifier || entry.healthCheckId)
          ctx.addIssue({
            code: 'custom',
            path: [site],
            message: 'setIdentifier and healthCheckId belong to routing: failover',
          });
        if (component.record.type === 'CNAME' && entry.values && entry.values.length !== 1) {
          ctx.addIssue({ code: 'custom', path: [site, 'values'], message: 'a CNAME record holds exactly one value' });
        }
      } else {
        if (!entry.setIdentifier)
          ctx.addIssue({
            code: 'custom',
            path: [site, 'setIdentifier'],
            message: "failover routing needs the set identifier of this site's record",
          });
        for (const written of ['values', 'alias'] as const)
          if (entry[written])
            ctx.addIssue({
              code: 'custom',
              path: [site, written],
              message: `with routing: failover the drill does not rewrite ${written === 'values' ? 'values' : 'an alias'}; it inverts the primary's health check`,
            });
      }
    }
    const aliases = [component.primary.alias, component.secondary.alias].filter(Boolean).length;
    if (component.routing === 'simple' && aliases === 1) {
      const plain = component.primary.alias ? 'secondary' : 'primary';
      ctx.addIssue({
        code: 'custom',
        path: [plain],
        message: `the other site's record is an alias, so this one must be too ({ alias: { dnsName, hostedZoneId } }): the switch moves the alias between targets and never turns values into an alias`,
      });
    }
    if (component.routing === 'simple' && component.answerTest === 'unavailable') {
      ctx.addIssue({
        code: 'custom',
        path: ['answerTest'],
        message: 'answerTest belongs to routing: failover; a simple record is read back, its answer is never tested',
      });
    }
    if (component.routing === 'failover' && !component.primary.healthCheckId) {
      ctx.addIssue({
        code: 'custom',
        path: ['primary', 'healthCheckId'],
        message: "failover routing needs the primary record's health check: the drill fails over by inverting it",
      });
    }
  });
