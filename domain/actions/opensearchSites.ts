/** Step arguments of the opensearch-per-site activities: snapshot on one cluster, restore on the other. */
import type { OpensearchSharedRepository, SecretRef } from '../plan';
import type { SiteRole } from '../sites';
import type { SwitchArgs } from './datastores';

export const OPENSEARCH_SITES_ACTIONS = ['opensearchClusterHealth', 'opensearchSitesPreflight', 'opensearchSiteSnapshot', 'opensearchRestore', 'opensearchRestoreVerify'] as const;
export type OpensearchSitesAction = (typeof OPENSEARCH_SITES_ACTIONS)[number];

export type OpensearchSitesArgs = SwitchArgs & {
  sites: Record<SiteRole, { url: string }>;
  username?: string;
  password?: SecretRef;
  minStatus: 'green' | 'yellow';
  canaryIndex: string;
  snapshot: OpensearchSharedRepository;
  /** Longest wait for a snapshot or a restore (and the cluster to reach minStatus after it). */
  waitMs: number;
  /** A readiness precheck: the preflight neither registers the repository nor takes a baseline. */
  lookOnly?: boolean;
};
