/** Plays Slack's side of an interaction: a click on a posted message, signed (or forged) and POSTed to the endpoint. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KnownBlock } from '@slack/types';
import { ACTIONS, type ActionName } from '../../render/slack/actions';
import { sign } from '../../src/slack/verify';
import type { SlackCall, SlackStandin } from './slackStandin';

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: KnownBlock[];
}

export const posted = (call: SlackCall): PostedMessage => ({
  channel: String(call.response?.channel ?? call.params.channel),
  ts: String(call.response?.ts),
  text: String(call.params.text),
  blocks: (call.params.blocks ?? []) as KnownBlock[],
});

/** The button values of a message, by action name. */
export function buttonValue(message: PostedMessage, action: ActionName): string {
  for (const block of message.blocks) {
    if (block.type !== 'actions') continue;
    const button = block.elements.find((e) => 'action_id' in e && e.action_id === ACTIONS[action]);
    if (button && 'value' in button) return String(button.value);
  }
  throw new Error(`no ${action} button on message ${message.ts}`);
}

export function clickPayload(userId: string, message: PostedMessage, action: ActionName): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: userId, username: userId.toLowerCase() },
    api_app_id: 'A0DRILLBOOK',
    trigger_id: `trigger-${Date.now()}`,
    container: { type: 'message', channel_id: message.channel, message_ts: message.ts },
    channel: { id: message.channel },
    message: { ts: message.ts, text: message.text, blocks: message.blocks },
    actions: [
      {
        type: 'button',
        action_id: ACTIONS[action],
        value: buttonValue(message, action),
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

export interface RawRequest {
  body: string;
  headers: Record<string, string>;
}

/** A request as Slack would send it: form-encoded payload, v0 signature over "v0:ts:body". */
export function signedRequest(secret: string, payload: unknown, options: { timestamp?: number } = {}): RawRequest {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': sign(secret, timestamp, body),
    },
  };
}

export async function send(
  endpoint: string,
  request: RawRequest,
  method = 'POST',
): Promise<{ status: number; body: string }> {
  const response = await fetch(endpoint, {
    method,
    headers: request.headers,
    body: method === 'GET' ? undefined : request.body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}

/** The nth message the worker posted for this gate (a failed step's gate can open more than once). */
export async function gateMessage(
  slack: SlackStandin,
  gate: string,
  nth = 1,
  timeoutMs = 30_000,
): Promise<PostedMessage> {
  const matching = () =>
    slack
      .callsTo('chat.postMessage')
      .filter((c) => c.response && JSON.stringify(c.params.blocks ?? []).includes(`\\"gate\\":\\"${gate}\\"`));
  const deadline = Date.now() + timeoutMs;
  while (matching().length < nth && Date.now() < deadline) await sleep(100);
  const calls = matching();
  if (calls.length < nth) throw new Error(`no message #${nth} for gate ${gate}`);
  return posted(calls[nth - 1]);
}
