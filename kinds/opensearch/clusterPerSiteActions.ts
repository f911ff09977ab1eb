/** Step arguments of the opensearch-per-site activities: snapshot on one cluster, restore on the other. */
import type { SecretRef } from '../../domain/drivers';
import type { OpensearchAwsSigning, OpensearchS3Repository, OpensearchSharedRepository } from './types';
import type { SiteRole } from '../../domain/sites';
import type { SwitchArgs } from '../../domain/actions/switch';

export const OPENSEARCH_SITES_ACTIONS = [
  'opensearchClusterHealth',
  'opensearchSitesPreflight',
  'opensearchSiteSnapshot',
  'opensearchRestore',
  'opensearchRestoreVerify',
  'opensearchAwaitReturn',
] as const;
export type OpensearchSitesAction = (typeof OPENSEARCH_SITES_ACTIONS)[number];

export interface OpensearchSitesEndpoint {
  url: string;
  aws?: OpensearchAwsSigning;
  s3Repository?: OpensearchS3Repository;
}

export type OpensearchSitesArgs = SwitchArgs & {
  /** Each site's endpoint; an Amazon OpenSearch domain's also its signing and its S3 repository. */
  sites: Record<SiteRole, OpensearchSitesEndpoint>;
  username?: string;
  password?: SecretRef;
  minStatus: 'green' | 'yellow';
  /** PEM file of a private CA the clusters' HTTPS certificates chain to. */
  ca?: { file: string };
  canaryIndex: string;
  snapshot: OpensearchSharedRepository;
  /** Longest wait for a snapshot or a restore (and the cluster to reach minStatus after it). */
  waitMs: number;
  /** A readiness precheck: the preflight neither registers the repository nor takes a baseline. */
  lookOnly?: boolean;
  /**
   * Reprotect: the snapshot is taken from the serving cluster while the app writes there, so an index
   * may hold more documents than were counted just before it; the restore accepts at least the count.
   */
  live?: boolean;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<OpensearchSitesAction, OpensearchSitesArgs> {}
}
