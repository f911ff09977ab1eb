/**
 * What a Slack button carries: which drill and which gate it answers, so a stale button (an old
 * message, a gate since closed) is refused by the workflow's validator instead of answering another.
 */
import type { PendingKind } from '../../domain';

export const ACTIONS = {
  approve: 'drillbook_approve',
  reject: 'drillbook_reject',
  retry: 'drillbook_retry',
  skip: 'drillbook_skip',
  abort: 'drillbook_abort',
  done: 'drillbook_done',
  pause: 'drillbook_pause',
  resume: 'drillbook_resume',
} as const;
export type ActionName = keyof typeof ACTIONS;

export const actionName = (actionId: string): ActionName | undefined =>
  (Object.keys(ACTIONS) as ActionName[]).find((name) => ACTIONS[name] === actionId);

/** Block ids the endpoint looks for when it edits a message. */
export const BLOCKS = {
  actions: 'drillbook_actions',
  progress: 'drillbook_progress',
  pause: 'drillbook_pause',
} as const;

export const SKIP_MODAL = 'drillbook_skip_reason';
export const PAUSE_MODAL = 'drillbook_pause_reason';

export interface ButtonValue {
  /** Workflow id of the drill. */
  drill: string;
  /** Gate id (approvals), step id (decisions, tasks), the phase a Pause button was posted for, or `pause`. */
  gate: string;
  kind: PendingKind;
  /** When the gate opened: the answer is for that opening only, so a replayed click does nothing twice. */
  since?: string;
}

export const encodeValue = (value: ButtonValue): string => JSON.stringify(value);

export function decodeValue(text: unknown): ButtonValue | undefined {
  try {
    const value = JSON.parse(String(text)) as Partial<ButtonValue>;
    const ok =
      typeof value.drill === 'string' &&
      typeof value.gate === 'string' &&
      ['approval', 'decision', 'task', 'pause'].includes(String(value.kind));
    return ok ? (value as ButtonValue) : undefined;
  } catch {
    return undefined;
  }
}

/** What the skip and pause modals keep between the click and the submission. */
export interface SkipContext extends ButtonValue {
  channel: string;
  ts: string;
}
