/** The plan schema of a `opensearch` component: per-site endpoints, the drill account (its password a secret reference, never a value), optional process drivers. */
import { z } from 'zod';
import { duration, secretRef, stepTuning } from '../kit/schema/fields';
import { processDrivers } from '../kit/schema/siteFields';
import { httpUrl } from '../kit/schema/url';

const opensearchSite = z.strictObject({
  url: httpUrl('http://search-ams1:9200'),
  /** The node's name (node.name), used to drain it before a stop. */
  node: z.string().min(1),
  ...processDrivers,
});

export const opensearchComponent = z.strictObject({
  kind: z.literal('opensearch'),
  tier: z.literal('search').default('search'),
  /** One cluster with a node per site (the default); `cluster-per-site` is ./schema.ts. */
  topology: z.literal('one-cluster').optional(),
  description: z.string().optional(),
  ...stepTuning,
  username: z.string().min(1).optional(),
  password: secretRef.optional(),
  /** Worst cluster status a health check accepts (one node down leaves replicas unassigned: yellow). */
  minStatus: z.enum(['green', 'yellow']).default('yellow'),
  snapshot: z
    .strictObject({
      repository: z.string().min(1),
      /** A successful snapshot must have ended within this window. */
      maxAge: duration.default(24 * 3_600_000),
      /** Take one during preparation: always, only when none is recent enough, or never. */
      take: z.enum(['always', 'if-missing', 'never']).default('never'),
      indices: z.string().optional(),
    })
    .optional(),
  canaryIndex: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lower-case index name')
    .default('drillbook-canary'),
  primary: opensearchSite,
  secondary: opensearchSite,
});
