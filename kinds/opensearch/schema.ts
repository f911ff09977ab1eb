/**
 * `kind: opensearch` with `topology: cluster-per-site`: one cluster per site (managed OpenSearch per
 * region) and a snapshot repository both read; the switch snapshots the old side and restores on
 * the new. Without `topology` (or `one-cluster`) the kind is one cluster with a node per site.
 */
import { z } from 'zod';
import { opensearchComponent } from './oneClusterSchema';
import { driver, duration, secretRef, stepTuning } from '../kit/schema/fields';
import { planErrorMap } from '../kit/schema/errorMap';
import { httpUrl } from '../kit/schema/url';
import { region } from '../kit/schema/stackFields';
import { refuseAwsConflicts } from './awsSchema';

/** An Amazon OpenSearch Service domain's signing: its region and service; credentials come from the worker's AWS chain. */
const awsSigning = z.strictObject({
  region,
  service: z
    .enum(['es', 'aoss'], { error: 'expected es (a managed domain) or aoss (OpenSearch Serverless)' })
    .default('es'),
});

/** The S3 snapshot repository an Amazon OpenSearch domain registers (AWS: "Registering a manual snapshot repository"). */
const s3Repository = z.strictObject({
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name such as opencti-search-snapshots'),
  region,
  roleArn: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is required: the IAM role Amazon OpenSearch assumes to reach the bucket, such as arn:aws:iam::111122223333:role/TheSnapshotRole'
          : undefined,
    })
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
      'expected an IAM role ARN such as arn:aws:iam::111122223333:role/TheSnapshotRole',
    ),
  basePath: z
    .string()
    .regex(
      /^[^/].*[^/]$|^[^/]$/,
      'expected a folder inside the bucket without leading or trailing /, such as opencti/snapshots',
    )
    .optional(),
});

const site = z.strictObject({
  url: httpUrl('https://search-euc1.example.org:9200'),
  aws: awsSigning.optional(),
  s3Repository: s3Repository.optional(),
  stop: driver.optional(),
  start: driver.optional(),
  reboot: driver.optional(),
});

export const opensearchSitesComponent = z
  .strictObject({
    kind: z.literal('opensearch'),
    tier: z.literal('search').default('search'),
    topology: z.literal('cluster-per-site'),
    description: z.string().optional(),
    ...stepTuning,
    username: z.string().min(1).optional(),
    password: secretRef.optional(),
    minStatus: z.enum(['green', 'yellow']).default('yellow'),
    snapshot: z.strictObject({
      /** The repository's name, the same on both clusters. */
      repository: z.string().min(1),
      /** How to register it (the drill makes it read-only where it restores); absent: the operator registered it on both. */
      register: z
        .strictObject({
          type: z.string().min(1).default('fs'),
          settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
        })
        .optional(),
      /** Indices the switch carries across (the canary index is always added); system indices never. */
      indices: z.string().min(1).default('*'),
      /** A preflight takes a baseline snapshot unless a successful one ended within this window. */
      maxAge: duration.default(24 * 3_600_000),
    }),
    canaryIndex: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lower-case index name')
      .default('drillbook-canary'),
    /** Longest wait for a snapshot or a restore (and the cluster after it). */
    restoreTimeout: duration.default(10 * 60_000),
    primary: site,
    secondary: site,
  })
  .superRefine(refuseAwsConflicts);

const TOPOLOGIES = { 'one-cluster': opensearchComponent, 'cluster-per-site': opensearchSitesComponent } as const;

/** Picks the shape by `topology` first, so an error inside keeps its full path. */
export const opensearchAnyComponent = z.looseObject({ topology: z.unknown().optional() }).transform((value, ctx) => {
  const topology = value.topology ?? 'one-cluster';
  const schema = typeof topology === 'string' ? TOPOLOGIES[topology as keyof typeof TOPOLOGIES] : undefined;
  if (!schema) {
    ctx.addIssue({
      code: 'custom',
      path: ['topology'],
      message: `expected one of ${Object.keys(TOPOLOGIES).join(', ')} (a node per site in one cluster, or a cluster per site), got ${JSON.stringify(topology)}`,
    });
    return z.NEVER;
  }
  const parsed = (schema as z.ZodType).safeParse(value, { error: planErrorMap });
  if (!parsed.success) {
    // Passed on as raised (code included), so the plan loader words them as it words any other.
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  }
  return parsed.data as z.output<typeof opensearchComponent> | z.output<typeof opensearchSitesComponent>;
});
