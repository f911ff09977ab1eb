/** Tells people what a drill is doing. Today a log line per event; channels such as Slack add to it. */
import { log } from '@temporalio/activity';
import type { DrillEvent } from '../domain';

/** A channel such as Slack; returns where it posted, so later events can thread or edit. */
export type Notifier = (event: DrillEvent) => Promise<Record<string, unknown> | undefined>;

/** One sentence on how a target's readiness changed. */
export function readinessSentence(event: Extract<DrillEvent, { type: 'readiness-changed' }>): string {
  const { result } = event;
  if (result.ready)
    return `${result.target} is ready again: all ${result.checks} prechecks pass${event.previous ? ` (${event.previous.drifts.length} drift(s) cleared)` : ''}.`;
  return `${result.target} is not ready: ${result.drifts.length} of ${result.checks} prechecks found drift: ${result.drifts.map((d) => d.sentence).join('; ')}`;
}

export function describeEvent(event: DrillEvent): string {
  if (event.type === 'readiness-changed') return readinessSentence(event);
  const { record } = event;
  const drill = `${record.drillId} (${record.mode} of ${record.target})`;
  switch (event.type) {
    case 'drill-started':
      return `${drill} started by ${record.requestedBy}`;
    case 'phase-started':
      return `${drill}: phase ${event.phase} started`;
    case 'gate-opened':
      return `${drill}: waiting for ${event.pending.kind} "${event.pending.id}": ${event.pending.prompt}`;
    case 'gate-reminder':
      return `${drill}: reminder, ${event.pending.kind} "${event.pending.id}" has waited ${Math.round(event.waitingMs / 60_000)} min: ${event.pending.prompt}`;
    case 'gate-closed':
      return `${drill}: ${event.pending.kind} "${event.pending.id}" ${event.result}${event.by ? ` by ${event.by}` : ''}`;
    case 'drill-ended':
      return `${drill} ended: ${event.record.status}. ${event.record.outcome ?? ''}`.trim();
  }
}

export function createNotifyActivities(deps: { notifiers?: Notifier[] }) {
  return {
    async notify(event: DrillEvent): Promise<Record<string, unknown> | undefined> {
      log.info(describeEvent(event), {
        drillId: event.type === 'readiness-changed' ? `precheck-${event.result.target}` : event.record.drillId,
        event: event.type,
      });
      let refs: Record<string, unknown> | undefined;
      for (const notifier of deps.notifiers ?? []) {
        const posted = await notifier(event);
        if (posted) refs = { ...refs, ...posted };
      }
      return refs;
    },
  };
}
