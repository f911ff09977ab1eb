/** Orchestration overhead read from a drill's history: the gap between one step's activity completing and the next one starting. */
import type { Client } from '@temporalio/client';
import { STEP_ACTIONS } from '../../domain';

const seconds = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number => (t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0);

/** Per pair of consecutive step activities with nothing else scheduled between them: next started − previous completed, in ms. */
export async function overheadFromHistory(client: Client, workflowId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const typeOf = new Map<string, string>();
  const gaps: number[] = [];
  let lastCompleted: number | undefined;
  for (const event of events) {
    const id = String(event.eventId);
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
    if (completed && (STEP_ACTIONS as readonly string[]).includes(typeOf.get(String(completed.scheduledEventId)) ?? '')) {
      lastCompleted = seconds(event.eventTime);
      continue;
    }
    if (event.workflowExecutionUpdateAcceptedEventAttributes || event.workflowExecutionSignaledEventAttributes || event.timerStartedEventAttributes) lastCompleted = undefined;
  }
  return gaps;
}

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
