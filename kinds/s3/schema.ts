/**
 * `kind: s3`: a bucket per site. `replication: s3` relies on the store's replication (the canary
 * must be reported COMPLETED/REPLICA); `replication: copy` names the command that copies the old
 * side's bucket to the new side's, for stores that do not replicate. Credentials: the AWS chain.
 */
import { z } from 'zod';
import { commandDriver, duration, stepTuning } from '../kit/schema/fields';
import { httpUrl } from '../kit/schema/url';

const site = z.strictObject({
  bucket: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'expected an S3 bucket name (3-63 lower-case letters, digits, . and -)',
    ),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1'),
  /** An S3-compatible endpoint (MinIO, moto); AWS's own when absent. */
  endpoint: httpUrl('http://127.0.0.1:9000').optional(),
});

export const s3Component = z
  .strictObject({
    kind: z.literal('s3'),
    tier: z.literal('database').default('database'),
    description: z.string().optional(),
    ...stepTuning,
    replication: z.enum(['s3', 'copy']).default('s3'),
    /** With replication: copy, the command run on the worker after the old side stopped writing. */
    copy: commandDriver.optional(),
    /** Longest wait for the store to report the canary replicated. */
    replicationTimeout: duration.default(5 * 60_000),
    /** Path-style URLs (bucket in the path): MinIO and moto need them. */
    forcePathStyle: z.boolean().default(false),
    primary: site,
    secondary: site,
  })
  .superRefine((component, ctx) => {
    if (component.replication === 'copy' && !component.copy)
      ctx.addIssue({
        code: 'custom',
        path: ['copy'],
        message: "replication: copy needs the command that copies the old side's bucket to the new side's",
      });
    if (component.replication === 's3' && component.copy)
      ctx.addIssue({
        code: 'custom',
        path: ['copy'],
        message: 'a copy step belongs to replication: copy; with replication: s3 the store copies',
      });
  });
