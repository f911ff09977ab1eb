/** Step arguments of the s3* activities: a bucket per site and a canary object that must cross. */
import type { SiteRole } from '../sites';
import type { SwitchArgs } from './datastores';

export const S3_ACTIONS = ['s3Health', 's3Preflight', 's3Canary', 's3Verify'] as const;
export type S3Action = (typeof S3_ACTIONS)[number];

export type S3Args = SwitchArgs & {
  sites: Record<SiteRole, { bucket: string; region: string; endpoint?: string }>;
  /** `s3`: the store replicates and reports it; `copy`: the plan's copy step carries objects across. */
  replication: 's3' | 'copy';
  replicationTimeoutMs: number;
  forcePathStyle: boolean;
};
