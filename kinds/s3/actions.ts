/** Step arguments of the s3* activities: a bucket per site and a canary object that must cross. */
import type { SiteRole } from '../../domain/sites';
import type { SwitchArgs } from '../../domain/actions/switch';

export const S3_ACTIONS = [
  's3Health',
  's3Preflight',
  's3Canary',
  's3Verify',
  's3AwaitReturn',
  's3ReverseReplication',
  's3Reversed',
] as const;
export type S3Action = (typeof S3_ACTIONS)[number];

export type S3Args = SwitchArgs & {
  sites: Record<SiteRole, { bucket: string; region: string; endpoint?: string }>;
  /** `s3`: the store replicates and reports it; `copy`: the plan's copy step carries objects across. */
  replication: 's3' | 'copy';
  replicationTimeoutMs: number;
  forcePathStyle: boolean;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<S3Action, S3Args> {}
}
