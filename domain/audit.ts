/**
 * The audit trail: refusals that never reach a drill's record, because there is no drill to hold
 * them (a start under a wrong workflow ID, a second start of a running target) or because they were
 * refused before anything read them (a Slack request with a bad signature, stale, replayed, or from
 * a Slack user the plan does not know). Kept per target, append-only, by whoever refused.
 */
import type { Channel } from './record';

export type AuditKind =
  'wrong-id-start' | 'duplicate-start' | 'slack-bad-signature' | 'slack-stale' | 'slack-replay' | 'slack-unknown-user';

export interface AuditEntry {
  at: string;
  /** The plan target the request named; for a forged Slack request, the one it claimed. */
  target: string;
  kind: AuditKind;
  /** Who asked, as far as it is known: a plan name, `slack:<user id>`, or absent for a forged request. */
  by?: string;
  /** The channel the request came through; `schedule` for a scheduled run that found its target being drilled. */
  via: Channel | 'schedule';
  reason: string;
  /** The workflow the request named or started. */
  workflowId?: string;
  /** Where the request came from (a Slack request's remote address), for a forged one. */
  from?: string;
}
