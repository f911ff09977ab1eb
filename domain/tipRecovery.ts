/**
 * The TIP's own recovery state and its time to protection: what a DR copy of a threat-intelligence
 * platform must keep beyond its servers answering (FIELD-NOTES 16), and the test indicator a drill
 * plants before the failover to measure how long until consumers are served it again. The plan's
 * fields (`tip.recovery`, `tip.protection`, per site `recoveryState`), the checks each platform has
 * and where they run live here, so the schema, the compiler and the activities agree.
 */
import type { PhaseId } from './phases';
import type { CommandDriver, SecretRef } from './drivers';
import type { SiteRole } from './sites';
import type { TipPlatform } from './platforms';

/**
 * version: both sites run the same platform release (a newer standby migrates the data and the
 * failback breaks). identity: the same MISP instance UUID. keys: the same MISP Security.salt,
 * encryption key and GPG key, compared as digests. queues: every registered OpenCTI connector has
 * its push and listen queues on the serving site's RabbitMQ. streams: the outage fits OpenCTI's Redis
 * stream retention (REDIS__TRIMMING). managers: OpenCTI's background managers run on the serving site only.
 */
export const TIP_RECOVERY_CHECK_IDS = ['version', 'identity', 'keys', 'queues', 'streams', 'managers'] as const;
export type TipRecoveryCheckId = (typeof TIP_RECOVERY_CHECK_IDS)[number];

export const TIP_RECOVERY_CHECKS: Record<TipPlatform, readonly TipRecoveryCheckId[]> = {
  threatconnect: ['version'],
  opencti: ['version', 'queues', 'streams', 'managers'],
  misp: ['version', 'identity', 'keys'],
};

/** Where the recovery-state checks run (and in the readiness precheck): before anything changes, and once the new site serves. */
export const TIP_RECOVERY_PHASES: readonly PhaseId[] = ['preparation', 'failover-check'];

/** The keys a MISP DR copy must share (FIELD-NOTES 16), as the plan's recoveryState command names them. */
export const MISP_KEY_NAMES = ['Security.salt', 'Security.encryption_key', 'GnuPG.fingerprint'] as const;

/**
 * A site's recovery state where its API cannot say it: a command printing `<name> <value>` lines.
 * `version` (the release this site runs or would run: read where the API does not answer, a cold
 * standby), MISP's `uuid` (likewise), and MISP's keys (`Security.salt <sha256 hex>`…) as digests
 * only: a value that is not a hex digest is refused unread, and no printed value is ever kept.
 */
export interface TipRecoveryState {
  command: CommandDriver;
}

/** `tip.recovery`: what the recovery-state checks compare beyond the sites' APIs. */
export interface TipRecovery {
  /** OpenCTI: the plan's rabbitmq component whose management API holds the connectors' queues. */
  rabbitmq?: string;
  /** OpenCTI: RABBITMQ__QUEUE_PREFIX when the platform sets one (queues are then `<prefix>_push_<id>`). */
  queuePrefix?: string;
  /**
   * OpenCTI: REDIS__TRIMMING (events kept in the stream; 0 keeps all) as a number or a command printing
   * it, and the events the platform writes per hour, which turn it into a time to hold an outage.
   */
  streams?: { trimming: number | { command: CommandDriver }; eventsPerHour: number };
  /** MISP: the keys compared (MISP_KEY_NAMES unless the plan says). */
  keys?: string[];
}

/** `tip.protection`: the test indicator planted before the failover and looked for on the new site. */
export interface TipProtection {
  /** MISP: the event the test attribute is added to (a drills event the team keeps, published). */
  eventId?: string;
  /** OpenCTI: the TAXII collection consumers read (`/taxii2/root/collections/<id>/objects/`). */
  collection?: string;
  /** Instead of the platform's export: per site, a URL where consumers read the indicators (a firewall's feed). */
  consumer?: Record<SiteRole, string>;
  /** How long the check after the switch waits for the indicator to be served on the new site. */
  within: number;
}

/** The management API of the plan's rabbitmq component, per site, as the queues check reads it. */
export interface TipRabbitmqSite {
  url: string;
  username: string;
  password: SecretRef;
  vhost: string;
  /** The component's tls.ca file: the CA bundle the broker's certificate is verified against. */
  ca?: string;
}
