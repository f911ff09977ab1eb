/** What a validated plan says about a `s3` component (S3 buckets per site); kinds/s3/schema.ts validates YAML into it. */
import type { CommandDriver, ComponentBase } from '../../domain/drivers';

export interface S3Site {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (MinIO, moto); AWS's own when absent. */
  endpoint?: string;
}

/** A bucket per site, replicated; the canary object proves the RPO. */
export interface S3Component extends ComponentBase {
  kind: 's3';
  tier: 'database';
  /** The store copies objects itself (S3 replication) or the plan's copy step does (`copy`). */
  replication: 's3' | 'copy';
  /** The command that copies the old side's bucket to the new side's, where the store does not replicate. */
  copy?: CommandDriver;
  replicationTimeout: number;
  forcePathStyle: boolean;
  primary: S3Site;
  secondary: S3Site;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    s3: S3Component;
  }
}
