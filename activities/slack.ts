/**
 * The Slack notifier: posts the drill's start, phases, gates (with buttons), reminders in the gate's
 * thread, the gate's outcome as an edit of its message, and the end with the evidence report.
 * Any Slack error fails the notify activity, which the workflow logs and gets on without.
 */
import { Context, log } from '@temporalio/activity';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { renderReport, reportBaseName } from '../render/report';
import {
  closedGateMessage,
  endedMessage,
  gateMessage,
  phaseMessage,
  reminderText,
  startedText,
} from '../render/slack/blocks';
import { readinessSentence, type Notifier } from './notify';
import type { DrillEvent } from '../domain';

export interface SlackRef {
  channel: string;
  ts: string;
}

/** Where the gate's message went, as kept on PendingAction.refs by the workflow. */
export function slackRef(refs: Record<string, unknown> | undefined): SlackRef | undefined {
  const ref = refs?.slack as Partial<SlackRef> | undefined;
  return typeof ref?.channel === 'string' && typeof ref.ts === 'string'
    ? { channel: ref.channel, ts: ref.ts }
    : undefined;
}

async function post(
  web: WebClient,
  channel: string,
  text: string,
  extra: { blocks?: KnownBlock[]; thread_ts?: string; metadata?: GateMetadata } = {},
): Promise<SlackRef> {
  const response = await web.chat.postMessage({ channel, text, ...extra, unfurl_links: false });
  return { channel: response.channel ?? channel, ts: response.ts as string };
}

/** Slack message metadata that marks a gate's message with its key (drill, gate, and when it opened). */
type GateMetadata = { event_type: 'drillbook_gate'; event_payload: { key: string } };
const GATE_EVENT = 'drillbook_gate';

/**
 * One message per gate, even when the notification is retried after Slack took the first post but
 * the answer was lost (a worker died, a connection dropped): a retry first looks in the channel for
 * a message carrying the gate's key (scope channels:history), and reuses it.
 */
async function postGateOnce(
  web: WebClient,
  channel: string,
  key: string,
  message: { text: string; blocks: KnownBlock[] },
  sinceIso: string,
): Promise<SlackRef> {
  if (attempt() > 1) {
    const found = await findGateMessage(web, channel, key, sinceIso).catch((error: Error) => {
      log.warn(
        'could not look for the gate message an earlier attempt may have posted (grant channels:history); posting it',
        { error: error.message },
      );
      return undefined;
    });
    if (found) return found;
  }
  return post(web, channel, message.text, {
    blocks: message.blocks,
    metadata: { event_type: GATE_EVENT, event_payload: { key } },
  });
}

async function findGateMessage(
  web: WebClient,
  channel: string,
  key: string,
  sinceIso: string,
): Promise<SlackRef | undefined> {
  const oldest = String(Math.floor(Date.parse(sinceIso) / 1000) - 60);
  const history = await web.conversations.history({ channel, oldest, limit: 200, include_all_metadata: true });
  const message = history.messages?.find((m) => {
    const metadata = (m as { metadata?: { event_type?: string; event_payload?: { key?: string } } }).metadata;
    return metadata?.event_type === GATE_EVENT && metadata.event_payload?.key === key;
  });
  return message?.ts ? { channel, ts: message.ts } : undefined;
}

function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** The report in the end message's thread; a failed upload says so there instead of failing the notification. */
async function attachReport(
  web: WebClient,
  event: Extract<DrillEvent, { type: 'drill-ended' }>,
  where: SlackRef,
): Promise<void> {
  const rendered = renderReport(event.record);
  const base = `${event.record.drillId}-${reportBaseName(event.record)}`;
  try {
    await web.filesUploadV2({
      channel_id: where.channel,
      thread_ts: where.ts,
      initial_comment: 'Evidence report of this drill (Markdown; HTML with the timeline picture).',
      file_uploads: [
        { file: Buffer.from(rendered.md), filename: `${base}.md`, title: `Report ${event.record.drillId} (Markdown)` },
        { file: Buffer.from(rendered.html), filename: `${base}.html`, title: `Report ${event.record.drillId} (HTML)` },
      ],
    });
  } catch (error) {
    log.warn('could not upload the report to Slack', { error: (error as Error).message });
    await post(
      web,
      where.channel,
      `The report could not be attached here (${(error as Error).message}); it is saved on the worker and \`drillbook report ${event.record.drillId}\` renders it.`,
      { thread_ts: where.ts },
    );
  }
}

export function createSlackNotifier(web: WebClient): Notifier {
  return async (event) => {
    const channel = event.type === 'readiness-changed' ? event.slackChannel : event.record.plan?.slack?.channel;
    if (!channel) return undefined;
    switch (event.type) {
      case 'readiness-changed':
        await post(web, channel, `${event.result.ready ? '✅' : '⚠️'} ${readinessSentence(event)}`);
        return undefined;
      case 'drill-started':
        await post(web, channel, startedText(event.record));
        return undefined;
      case 'phase-started': {
        const message = phaseMessage(event.record, event.phase);
        await post(web, channel, message.text, { blocks: message.blocks });
        return undefined;
      }
      case 'gate-opened': {
        const message = gateMessage(event);
        const key = `${event.record.drillId}/${event.pending.id}/${event.pending.since}`;
        return { slack: await postGateOnce(web, channel, key, message, event.pending.since) };
      }
      case 'gate-reminder': {
        const ref = slackRef(event.pending.refs);
        await post(web, ref?.channel ?? channel, reminderText(event), ref ? { thread_ts: ref.ts } : {});
        return undefined;
      }
      case 'gate-closed': {
        const ref = slackRef(event.pending.refs);
        if (!ref) return undefined;
        const message = closedGateMessage(event, new Date().toISOString());
        await web.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
        return undefined;
      }
      case 'drill-ended': {
        const message = endedMessage(event.record);
        const where = await post(web, channel, message.text, { blocks: message.blocks });
        await attachReport(web, event, where);
        return { slack: where };
      }
    }
  };
}
