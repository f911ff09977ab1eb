/**
 * `kind: route53`: the DNS record that sends users to the active site, the traffic tier's switch.
 * Either a simple record whose values change with the site (an UPSERT), or a pair of failover
 * records (PRIMARY/SECONDARY with health checks) where the drill inverts the primary's health check.
 * Credentials never appear here: the worker uses the standard AWS chain.
 */
import { z } from 'zod';
import { duration, stepTuning } from '../kit/schema/fields';

/** Route 53 answers with fully qualified names; normalising here makes read-back comparisons exact. */
const recordName = z
  .string()
  .regex(/^(\*\.)?([A-Za-z0-9_-]+\.)*[A-Za-z0-9_-]+\.?$/, 'expected a DNS name such as cti.example.com')
  .transform((name) => (name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`));

const route53Site = z.strictObject({
  /** Simple routing: what the record holds while this site is active (IP addresses or one CNAME target). */
  values: z.array(z.string().min(1)).min(1).optional(),
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
    hostedZoneId: z
      .string()
      .regex(/^(\/hostedzone\/)?[A-Z0-9]{1,32}$/, 'expected a hosted zone id such as Z0123456789ABCDEFGHIJ'),
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
        if (!entry.values)
          ctx.addIssue({
            code: 'custom',
            path: [site, 'values'],
            message: 'simple routing needs the values the record holds while this site is active',
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
        if (entry.values)
          ctx.addIssue({
            code: 'custom',
            path: [site, 'values'],
            message: "with routing: failover the drill does not rewrite values; it inverts the primary's health check",
          });
      }
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
