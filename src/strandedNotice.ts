/**
 * A drill that no build here can adopt waits for a person to run the build it needs. The worker's log
 * and `status` say so; the drill's Slack channel is where its approvers look, so it is said there too.
 * The channel is read from the plan the drill loaded (its loadPlan result in history): the drill's own
 * record cannot be had, since its history does not replay on this build.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { WebClient } from '@slack/web-api';
import type { Plan } from '../domain';

/** The Slack channel of the plan a drill loaded, or undefined (no Slack in the plan, the plan not loaded yet). */
export function planSlackChannel(history: temporal.api.history.v1.IHistory): string | undefined {
  const events = history.events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'loadPlan');
  if (!scheduled?.eventId) return undefined;
  const completed = events.find(
    (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled.eventId),
  );
  const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
  if (!payload) return undefined;
  try {
    const loaded = defaultPayloadConverter.fromPayload<{ plan?: Partial<Plan> }>(payload);
    return loaded?.plan?.notifications?.slack?.channel;
  } catch {
    return undefined; // a result this code cannot read is no channel; the log and status still say it
  }
}

/** Posts the sentence that names the build the drill needs; a Slack failure is logged, never thrown. */
export async function tellStranded(
  web: WebClient,
  channel: string,
  sentence: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    await web.chat.postMessage({ channel, text: `:warning: ${sentence}`, unfurl_links: false });
  } catch (error) {
    log(
      `could not tell Slack channel ${channel} that a drill stays pinned: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}
