/** Step arguments of the TIP's recovery-state checks and of the time-to-protection steps. */
import type { SiteRole } from '../sites';
import type { TipArgs } from './tip';
import type { TipProtection, TipRabbitmqSite, TipRecovery, TipRecoveryCheckId } from '../tipRecovery';

export const TIP_RECOVERY_ACTIONS = [
  'tipVersion',
  'tipIdentity',
  'tipKeys',
  'tipQueues',
  'tipStreams',
  'tipManagers',
] as const;
export type TipRecoveryAction = (typeof TIP_RECOVERY_ACTIONS)[number];

export const TIP_RECOVERY_ACTION_OF: Record<TipRecoveryCheckId, TipRecoveryAction> = {
  version: 'tipVersion',
  identity: 'tipIdentity',
  keys: 'tipKeys',
  queues: 'tipQueues',
  streams: 'tipStreams',
  managers: 'tipManagers',
};

export type TipRecoveryArgs = Omit<TipArgs, 'check'> & {
  check: TipRecoveryCheckId;
  recovery: TipRecovery;
  /** The outage the stream retention must hold: the plan's RTO objective. */
  rtoMs?: number;
  /** OpenCTI queues: the management API of the plan's rabbitmq component. */
  rabbitmq?: Record<SiteRole, TipRabbitmqSite>;
};

/** plant: before the failover's first stop, on the site that serves; served: after the switch, on the new one; remove: wherever it is. */
export const TIP_PROTECTION_ACTIONS = ['tipProtectionPlant', 'tipProtectionServed', 'tipProtectionRemove'] as const;
export type TipProtectionAction = (typeof TIP_PROTECTION_ACTIONS)[number];

export type TipProtectionArgs = Pick<TipArgs, 'platform' | 'siteNames' | 'sites' | 'requestTimeoutMs'> & {
  /** Where this step acts: the old site (plant), the new one (served); remove tries both. */
  site: SiteRole;
  protection: TipProtection;
};
