/** The `opensearch` kind's step actions and their arguments, written by its recipe and read by its activities. JSON only; secrets only as references. */
import type { SecretRef } from '../../domain/drivers';
import type { SwitchArgs } from '../../domain/actions/switch';
import type { SiteRole } from '../../domain/sites';

export const OPENSEARCH_ACTIONS = [
  'opensearchHealth',
  'opensearchSnapshot',
  'opensearchDrain',
  'opensearchUndrain',
  'opensearchGuard',
  'opensearchVerify',
] as const;
export type OpensearchAction = (typeof OPENSEARCH_ACTIONS)[number];

export type OpensearchArgs = SwitchArgs & {
  sites: Record<SiteRole, { url: string; node: string }>;
  username?: string;
  password?: SecretRef;
  minStatus: 'green' | 'yellow';
  canaryIndex: string;
  snapshot?: { repository: string; maxAgeMs: number; take: 'always' | 'if-missing' | 'never'; indices?: string };
  /** How long a wait (health, drain, snapshot) may take before the step fails. */
  waitMs: number;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<OpensearchAction, OpensearchArgs> {}
}
