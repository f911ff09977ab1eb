/** What a validated plan says about a `opensearch` component (OpenSearch, one cluster or one per site); kinds/opensearch/schema.ts validates YAML into it. */
import type { SecretRef, ComponentBase, ProcessDrivers } from '../../domain/drivers';

export interface OpensearchSite extends ProcessDrivers {
  url: string;
  /** The node's name (node.name), used to drain it before a stop. */
  node: string;
}

export interface OpensearchSnapshotSettings {
  repository: string;
  maxAge: number;
  take: 'always' | 'if-missing' | 'never';
  indices?: string;
}

/** OpenSearch as one cluster with a node per site (the default topology). */
export interface OpensearchComponent extends ComponentBase {
  kind: 'opensearch';
  tier: 'search';
  topology?: 'one-cluster';
  username?: string;
  password?: SecretRef;
  minStatus: 'green' | 'yellow';
  snapshot?: OpensearchSnapshotSettings;
  canaryIndex: string;
  primary: OpensearchSite;
  secondary: OpensearchSite;
}

/**
 * OpenSearch with one cluster per site (the seed's managed OpenSearch per region): the switch takes a
 * snapshot on the old side into a repository both sites read, and restores it on the new side.
 */
export interface OpensearchClusterSite extends ProcessDrivers {
  url: string;
  /** An Amazon OpenSearch Service domain: every request signed with SigV4 (credentials from the worker's AWS chain, never the plan). */
  aws?: OpensearchAwsSigning;
  /** Where this site's snapshot repository lives on S3 and the role Amazon OpenSearch assumes to reach it (aws sites). */
  s3Repository?: OpensearchS3Repository;
}

export interface OpensearchAwsSigning {
  region: string;
  /** `es`: a managed domain; `aoss`: OpenSearch Serverless (refused by cluster-per-site: it has no snapshots). */
  service: 'es' | 'aoss';
}

/** The settings of an `s3` snapshot repository on Amazon OpenSearch Service ("Registering a manual snapshot repository"). */
export interface OpensearchS3Repository {
  bucket: string;
  region: string;
  /** The IAM role Amazon OpenSearch assumes to read and write the bucket; the worker's identity needs iam:PassRole on it. */
  roleArn: string;
  basePath?: string;
}

export interface OpensearchSharedRepository {
  /** The repository's name, the same on both clusters. */
  repository: string;
  /** How the drill registers it (writable where it snapshots, read-only where it restores); absent: registered by the operator. */
  register?: { type: string; settings: Record<string, string | number | boolean> };
  /** Index pattern the switch snapshots and restores (the canary index is always added). */
  indices: string;
  /** A preflight accepts the newest successful snapshot only if it ended within this window. */
  maxAge: number;
}

export interface OpensearchSitesComponent extends ComponentBase {
  kind: 'opensearch';
  tier: 'search';
  topology: 'cluster-per-site';
  username?: string;
  password?: SecretRef;
  minStatus: 'green' | 'yellow';
  /** PEM file of the CA that signed the clusters' HTTPS certificates (a private CA; not needed for Amazon OpenSearch). */
  ca?: { file: string };
  snapshot: OpensearchSharedRepository;
  canaryIndex: string;
  /** Longest wait for a snapshot or a restore to finish. */
  restoreTimeout: number;
  primary: OpensearchClusterSite;
  secondary: OpensearchClusterSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    opensearch: OpensearchComponent | OpensearchSitesComponent;
  }
}
