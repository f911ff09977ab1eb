/**
 * Modes, phases and the segments inside each phase: the DR guide's checklist as names. Every other
 * file takes these from here (the compiler, the plan schema, the reports), never restates them.
 */

export type DrillMode = 'drill' | 'failover' | 'failback' | 'reprotect';
export const DRILL_MODES: readonly DrillMode[] = ['drill', 'failover', 'failback', 'reprotect'];

/** The quarterly drill's phases: the DR guide's checklist, in order. */
const DRILL_PHASE_IDS = [
  'preparation',
  'pre-reboot',
  'check',
  'failover',
  'failover-check',
  'failback',
  'failback-check',
  'wrap-up',
] as const;

/** Every phase: the drill's, and reprotect's after an outage. */
export const PHASE_IDS = [...DRILL_PHASE_IDS, 'reprotect', 'reprotect-check'] as const;
export type PhaseId = (typeof PHASE_IDS)[number];

export const DRILL_PHASES: readonly PhaseId[] = DRILL_PHASE_IDS;

/**
 * The phases each mode runs, in order. A real outage runs only failover and its check; once the lost
 * site is back, reprotect makes it the serving site's replica, and failback is then a planned switch.
 */
export const PHASES_BY_MODE: Record<DrillMode, readonly PhaseId[]> = {
  drill: DRILL_PHASES,
  failover: ['failover', 'failover-check'],
  failback: ['failback', 'failback-check'],
  reprotect: ['reprotect', 'reprotect-check'],
};

export const PHASE_TITLES: Record<PhaseId, string> = {
  preparation: 'Preparation: services healthy, maintenance mode on, backups and snapshots confirmed',
  'pre-reboot': 'Pre-reboot: stop, reboot and restart the primary site',
  check: 'Check: the primary site serves again',
  failover: 'Failover: stop the primary, switch traffic, start the secondary',
  'failover-check': 'Failover check: the secondary serves and holds the data',
  failback: 'Failback: stop the secondary, switch traffic back, start the primary',
  'failback-check': 'Failback check: the primary serves and replication flows',
  'wrap-up': 'Wrap-up: maintenance mode off',
  reprotect: "Reprotect: the lost site is back; fence it and make it the serving site's replica",
  'reprotect-check': 'Reprotect check: the old site replicates from the serving site and is caught up',
};

/** Phases that change the world wait for approval before their first step. */
export const PHASES_NEEDING_APPROVAL: readonly PhaseId[] = ['pre-reboot', 'failover', 'failback', 'reprotect'];

/** The segments of each phase, in the order they run; a team's own steps hang on one of them. */
export const PHASE_SEGMENTS = {
  preparation: ['health', 'preflight', 'maintenance', 'backups'],
  'pre-reboot': ['stop', 'reboot', 'start', 'health'],
  check: ['health'],
  // `prepare` holds only the plan's own steps: what the components' guards need done first.
  failover: ['prepare', 'guard', 'stop', 'switch', 'start'],
  'failover-check': ['health', 'verify'],
  failback: ['prepare', 'guard', 'stop', 'switch', 'start'],
  'failback-check': ['health', 'verify'],
  'wrap-up': ['maintenance', 'end'],
  // Wait until the lost site answers, make sure it cannot take writes, then resync it from the serving site.
  reprotect: ['await', 'fence', 'resync'],
  'reprotect-check': ['verify'],
} as const satisfies Record<PhaseId, readonly string[]>;

export type SegmentOf<P extends PhaseId> = (typeof PHASE_SEGMENTS)[P][number];
export type SegmentName = SegmentOf<PhaseId>;

/**
 * Phases whose health checks are the first look at what was started moments before: pre-reboot's
 * health segment follows its start segment, and the switch checks follow the switches. What a check
 * there looks at may take a while to answer, so it asks again for a while (START_GRACE_MS) rather
 * than failing and being retried: retries are for faults, not for waiting.
 */
export const HEALTH_AFTER_A_START: readonly PhaseId[] = ['pre-reboot', 'failover-check', 'failback-check'];

/** How long a check right after a start waits for what it checks, unless the plan says. */
export const START_GRACE_MS = 30_000;

/** Phases that move the writer from one site to the other. */
export const SWITCH_PHASES: readonly PhaseId[] = ['failover', 'failback'];

/** Which way a phase moves service; phases around the primary alone act on the primary. */
export function directionOf(phase: PhaseId): { from: 'primary' | 'secondary'; to: 'primary' | 'secondary' } {
  if (phase === 'failback' || phase === 'failback-check') return { from: 'secondary', to: 'primary' };
  return { from: 'primary', to: 'secondary' };
}
