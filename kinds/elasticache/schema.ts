/**
 * `kind: elasticache`: Amazon ElastiCache (Redis OSS / Valkey). `multi-az` fails a replication
 * group's primary over to a replica in another Availability Zone (TestFailover); `global-datastore`
 * moves a Global Datastore's primary region (FailoverGlobalReplicationGroup). The data plane is
 * reached over TLS unless the plan says `tls: false`, with the AUTH token as a reference.
 */
import { z } from 'zod';
import { ELASTICACHE_MODES } from './types';
import { duration, secretRef } from '../kit/schema/fields';
import { port } from '../kit/schema/siteFields';
import { region, stepTuning, waits } from '../kit/schema/stackFields';

// ElastiCache's own rule for replication group and cache cluster ids.
const groupId = z
  .string()
  .regex(
    /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,49}(?<!-)$/,
    'expected an ElastiCache id: a letter, then letters, digits and single dashes (at most 50), not ending in a dash',
  );

const TLS_FORMS =
  "expected { ca: { file: PATH } } (the CA the endpoint chains to), {} to trust the worker's own root CAs, or false for a group without in-transit encryption";

const tlsOptions = z.strictObject(
  { ca: secretRef.optional() },
  { error: (issue) => (issue.code === 'invalid_type' ? TLS_FORMS : undefined) },
);
/** On unless the plan says `false`. Not a union: its errors would hide the path inside (`tls.ca`). */
const tls = z
  .unknown()
  .transform((value, ctx): false | z.output<typeof tlsOptions> => {
    if (value === false) return false;
    const parsed = tlsOptions.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path as PropertyKey[], message: issue.message });
    return z.NEVER;
  })
  .default({});

const site = z.strictObject({
  region: region.optional(),
  replicationGroup: groupId,
  member: groupId.optional(),
  host: z.string().min(1, 'expected the endpoint the drill reaches this site on'),
  port: port.default(6379),
});

export const elasticacheComponent = z
  .strictObject({
    kind: z.literal('elasticache'),
    tier: z.literal('database').default('database'),
    description: z.string().optional(),
    ...stepTuning,
    mode: z.enum(ELASTICACHE_MODES),
    globalReplicationGroup: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,254}$/i, 'expected the Global Datastore name, such as ldgnf-opencti-cache')
      .optional(),
    nodeGroup: z
      .string()
      .regex(/^\d{4}$/, 'expected a node group id such as "0001"')
      .default('0001'),
    tls,
    authToken: secretRef.optional(),
    username: z.string().min(1).optional(),
    catchUpTimeout: duration.default(30_000),
    // TestFailover takes several minutes on AWS, a Global Datastore failover a few: wait generously.
    ...waits(20 * 60_000, 10_000),
    primary: site,
    secondary: site,
  })
  .superRefine((component, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const [p, s] = [component.primary, component.secondary];
    if (p.host === s.host && p.port === s.port)
      issue(
        ['secondary', 'host'],
        `must differ from primary's endpoint (${p.host}:${p.port}): the canary is written on one side and read on the other, so each site names its own node's endpoint (multi-az: the member's; global-datastore: the region's primary endpoint)`,
      );
    if (component.mode === 'multi-az') {
      if (component.primary.replicationGroup !== component.secondary.replicationGroup)
        issue(
          ['secondary', 'replicationGroup'],
          `mode multi-az fails over inside one replication group: expected ${component.primary.replicationGroup}, as primary.replicationGroup`,
        );
      for (const role of ['primary', 'secondary'] as const)
        if (!component[role].member)
          issue([role, 'member'], "mode multi-az needs each site's member: the node that is primary while it serves");
      if (component.primary.member && component.primary.member === component.secondary.member)
        issue(['secondary', 'member'], 'must differ from primary.member: a failover moves the primary to another node');
    } else {
      if (!component.globalReplicationGroup)
        issue(['globalReplicationGroup'], 'mode global-datastore needs globalReplicationGroup');
      for (const role of ['primary', 'secondary'] as const)
        if (!component[role].region) issue([role, 'region'], "mode global-datastore needs each site's region");
      if (component.primary.region && component.primary.region === component.secondary.region)
        issue(['secondary', 'region'], 'must differ from primary.region: a Global Datastore spans regions');
      if (component.primary.replicationGroup === component.secondary.replicationGroup)
        issue(['secondary', 'replicationGroup'], 'must differ from primary.replicationGroup: each region has its own');
      for (const role of ['primary', 'secondary'] as const)
        if (component[role].member)
          issue([role, 'member'], 'only mode multi-az names a member; a Global Datastore switches whole regions');
    }
  });
