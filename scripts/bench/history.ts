/** Orchestration overhead read from a drill's history: the gap between one step's activity completing and the next one starting. */
import type { Client } from '@temporalio/client';
import { STEP_ACTIONS } from '../../kinds';

const seconds = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0;

const payloadJson = (
  payloads: { data?: Uint8Array | null }[] | null | undefined,
): Record<string, unknown> | undefined => {
  const data = payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

/**
 * A step that ran as a local activity: its marker keeps the step's outcome, with the start and end the
 * activity measured itself (a local activity has no started or completed events).
 */
function localStep(event: {
  markerRecordedEventAttributes?: {
    markerName?: string | null;
    details?: Record<string, { payloads?: { data?: Uint8Array | null }[] | null }> | null;
  } | null;
}): { started: number; ended: number } | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = payloadJson(marker.details?.data?.payloads);
  if (!(STEP_ACTIONS as readonly string[]).includes(String(data?.activity_type))) return undefined;
  const result = payloadJson(marker.details?.result?.payloads);
  const started = Date.parse(String(result?.startedAt));
  const ended = Date.parse(String(result?.endedAt));
  return Number.isFinite(started) && Number.isFinite(ended) ? { started, ended } : undefined;
}

/**
 * Per pair of consecutive steps with nothing else scheduled between them: next started − previous
 * completed, in ms. Activity steps by their events' times; local-activity steps by the times their
 * outcome (in the marker) measured.
 */
export async function overheadFromHistory(client: Client, workflowId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const typeOf = new Map<string, string>();
  const gaps: number[] = [];
  let lastCompleted: number | undefined;
  for (const event of events) {
    const id = String(event.eventId);
    const local = localStep(event);
    if (local) {
      if (lastCompleted !== undefined) gaps.push(local.started - lastCompleted);
      lastCompleted = local.ended;
      continue;
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? '';
      typeOf.set(id, type);
      // Anything but a step in between (a notification, a gate) breaks the pair.
      if (!(STEP_ACTIONS as readonly string[]).includes(type)) lastCompleted = undefined;
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started && (STEP_ACTIONS as readonly string[]).includes(typeOf.get(String(started.scheduledEventId)) ?? '')) {
      if (lastCompleted !== undefined) gaps.push(seconds(event.eventTime) - lastCompleted);
      lastCompleted = undefined;
      continue;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (
      completed &&
      (STEP_ACTIONS as readonly string[]).includes(typeOf.get(String(completed.scheduledEventId)) ?? '')
    ) {
      lastCompleted = seconds(event.eventTime);
      continue;
    }
    if (
      event.workflowExecutionUpdateAcceptedEventAttributes ||
      event.workflowExecutionSignaledEventAttributes ||
      event.timerStartedEventAttributes
    )
      lastCompleted = undefined;
  }
  return gaps;
}

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
