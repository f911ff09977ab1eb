/**
 * What a click in Slack does, whichever way it arrived (signed HTTP or Socket Mode): find the
 * person the Slack user is in the plan, answer the drill through the same client functions as the
 * CLI, show any refusal to that person only, and say in the gate message's thread who answered.
 * Only the drill edits the gate message (when the gate closes, naming who answered), so two edits
 * can never race. A click answers one opening of one gate: replayed, it changes nothing.
 */
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import { appendAudit } from '../../store/auditTrail';
import {
  approve,
  completeTask,
  decide,
  drillView,
  DrillRefused,
  pause,
  reject,
  resume,
  type HandedOver,
} from '../drills';
import {
  actionName,
  decodeValue,
  PAUSE_MODAL,
  SKIP_MODAL,
  type ButtonValue,
  type SkipContext,
} from '../../render/slack/actions';
import { mention, pauseModal, progressLine, skipModal } from '../../render/slack/blocks';
import type { HandlerResult } from '../../workflows/handlers';
import type { DrillRecord } from '../../domain';

/** The parts of Slack's block_actions and view_submission payloads this endpoint reads. */
export interface SlackInteraction {
  type: string;
  user: { id: string; username?: string };
  trigger_id?: string;
  actions?: { action_id: string; value?: string }[];
  container?: { channel_id?: string; message_ts?: string };
  channel?: { id: string };
  message?: { ts?: string; text?: string; blocks?: KnownBlock[] };
  view?: {
    callback_id?: string;
    private_metadata?: string;
    state?: { values?: Record<string, Record<string, { value?: string | null }>> };
  };
}

/** What the transport knows about one request: its id, so the drill acts on a request once however often it arrives. */
export interface InteractionMeta {
  requestId?: string;
}

export interface InteractionDeps {
  temporal: Client;
  web: WebClient;
  /** The audit folder: a click by a Slack user the plan does not know is kept in the target's trail. */
  auditDir?: string;
  /** An update waits for a worker; past this the person is told the drill did not answer. */
  answerTimeoutMs?: number;
  log?: (message: string) => void;
}

class Refusal extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, rejectLate) => {
    timer = setTimeout(
      () =>
        rejectLate(
          new Refusal(
            `${what} did not answer within ${Math.round(ms / 1000)}s; is a Drillbook worker running? The CLI and the Temporal UI can answer too.`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * The plan's name for this Slack user (approvers carry `slack:` ids, operators are listed under
 * notifications.slack.users), or `slack:<id>` for someone the plan does not know: the drill then
 * refuses that person by that name and keeps the refusal as evidence.
 */
function personOf(record: DrillRecord, slackUserId: string): { by: string; linked: boolean } {
  const users = record.plan?.slack?.users ?? {};
  const name = Object.keys(users).find((n) => users[n] === slackUserId);
  return name ? { by: name, linked: true } : { by: `slack:${slackUserId}`, linked: false };
}

const notLinked = (record: DrillRecord, slackUserId: string): string =>
  `your Slack account (<@${slackUserId}>) is not linked to an approver or operator of the plan of ${record.target}; the plan lists Slack ids under approvals.approvers[].slack and notifications.slack.users`;

/**
 * A stranger's click still reaches the drill, which refuses it and records the refusal, and it is kept
 * in the target's audit trail beside the transport's refusals; the person is told why.
 */
async function refuseStranger(
  deps: InteractionDeps,
  meta: InteractionMeta,
  action: string,
  value: ButtonValue,
  record: DrillRecord,
  slackUserId: string,
  reason?: string,
): Promise<never> {
  const by = `slack:${slackUserId}`;
  const why = notLinked(record, slackUserId);
  if (deps.auditDir) {
    const entry = {
      at: new Date().toISOString(),
      target: record.target,
      kind: 'slack-unknown-user',
      by,
      via: 'slack',
      reason: `${action} refused: ${why}`,
      workflowId: value.drill,
    } as const;
    await appendAudit(deps.auditDir, entry).catch((error: Error) =>
      deps.log?.(`could not keep the refusal in the audit trail: ${error.message}`),
    );
  }
  await answer(deps, meta, action, value, by, reason).catch(() => undefined);
  throw new Refusal(why);
}

/** The drill's record, live, or from its history when no worker answers (a click is then still recorded, as a hand-over). */
async function recordOf(deps: InteractionDeps, drill: string): Promise<DrillRecord> {
  return withTimeout(drillView(deps.temporal, drill), deps.answerTimeoutMs ?? 30_000, `drill ${drill}`).then(
    (view) => view.record,
  );
}

/** Tells the person their answer is recorded in the drill's history and will be acted on when a worker is back. */
async function tellHandedOver(
  deps: InteractionDeps,
  channel: string | undefined,
  user: string,
  handedOver: HandedOver,
): Promise<void> {
  deps.log?.(`handed over for ${user}: ${handedOver.message}`);
  if (!channel) return;
  const text = `📝 Recorded: no Drillbook worker answered within a few seconds, so your answer is kept in the drill's history and will be acted on when a worker is back, with the same checks (if it is refused then, the refusal is kept in the drill's record).`;
  await deps.web.chat.postEphemeral({ channel, user, text });
}

async function tellRefusal(
  deps: InteractionDeps,
  channel: string | undefined,
  user: string,
  reason: string,
): Promise<void> {
  deps.log?.(`refused for ${user}: ${reason}`);
  if (!channel) return;
  await deps.web.chat.postEphemeral({ channel, user, text: `⛔ Refused: ${reason}` });
}

async function answer(
  deps: InteractionDeps,
  meta: InteractionMeta,
  action: string,
  value: ButtonValue,
  by: string,
  reason?: string,
): Promise<HandlerResult | HandedOver> {
  const { temporal } = deps;
  const via = 'in Slack';
  // The channel the record keeps, and the request's id: the drill acts on one Slack request once, however often it arrives.
  const sent = { channel: 'slack', requestId: meta.requestId } as const;
  const work = (() => {
    switch (action) {
      case 'approve':
        return approve(temporal, value.drill, {
          by,
          gate: value.gate,
          comment: `approved ${via}`,
          openedAt: value.since,
          ...sent,
        });
      case 'reject':
        return reject(temporal, value.drill, {
          by,
          gate: value.gate,
          comment: `rejected ${via}`,
          openedAt: value.since,
          ...sent,
        });
      case 'retry':
      case 'abort':
        return decide(temporal, value.drill, {
          by,
          decision: action,
          stepId: value.gate,
          reason: `chosen ${via}`,
          openedAt: value.since,
          ...sent,
        });
      case 'skip':
        return decide(temporal, value.drill, {
          by,
          decision: 'skip',
          stepId: value.gate,
          reason,
          openedAt: value.since,
          ...sent,
        });
      case 'done':
        return completeTask(temporal, value.drill, {
          by,
          taskId: value.gate,
          note: `marked done ${via}`,
          openedAt: value.since,
          ...sent,
        });
      case 'pause':
        return pause(temporal, value.drill, { by, reason, ...sent });
      case 'resume':
        return resume(temporal, value.drill, { by, reason: `resumed ${via}`, ...sent });
      default:
        throw new Refusal(`unknown action ${action}`);
    }
  })();
  return withTimeout(work, deps.answerTimeoutMs ?? 30_000, `drill ${value.drill}`);
}

async function onButton(payload: SlackInteraction, deps: InteractionDeps, meta: InteractionMeta): Promise<void> {
  const clicked = payload.actions?.[0];
  const action = clicked && actionName(clicked.action_id);
  const value = decodeValue(clicked?.value);
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  const ts = payload.container?.message_ts ?? payload.message?.ts;
  if (!action || !value) return deps.log?.(`ignored a click on ${clicked?.action_id ?? 'nothing'}`);
  try {
    const record = await recordOf(deps, value.drill);
    const { by, linked } = personOf(record, payload.user.id);
    if (!linked) return await refuseStranger(deps, meta, action, value, record, payload.user.id);
    if (action === 'skip' || action === 'pause') {
      const cli = action === 'skip' ? '`drillbook decide … skip --reason`' : '`drillbook pause … --reason`';
      if (!payload.trigger_id || !channel || !ts)
        throw new Refusal(`Slack sent no trigger to open the reason dialog; use ${cli}`);
      const context: SkipContext = { ...value, channel, ts };
      await deps.web.views.open({
        trigger_id: payload.trigger_id,
        view: action === 'skip' ? skipModal(context) : pauseModal(context),
      });
      return;
    }
    // A Resume button answers the pause it was posted for: a later pause needs its own message's button.
    if (
      action === 'resume' &&
      (record.pending?.kind !== 'pause' || (value.since !== undefined && record.pending.since !== value.since))
    ) {
      throw new Refusal('that Resume button is for a pause that is over; the drill is not held by it any more');
    }
    const result = await answer(deps, meta, action, value, by);
    if (!result.accepted) return await tellHandedOver(deps, channel, payload.user.id, result);
    deps.log?.(`${by} (${payload.user.id}) answered ${value.gate} of ${value.drill}: ${action}`);
    if (channel && ts) {
      const progress = progressLine(await recordOf(deps, value.drill), value.kind, value.gate);
      await deps.web.chat.postMessage({ channel, thread_ts: ts, text: progress.line });
    }
  } catch (error) {
    if (error instanceof Refusal || error instanceof DrillRefused)
      return tellRefusal(deps, channel, payload.user.id, error.message);
    throw error;
  }
}

/** The reason typed in a skip or pause dialog, with the click's context; undefined when the dialog carries no drill. */
function dialogOf(payload: SlackInteraction): { context: SkipContext; reason?: string } | undefined {
  let context: SkipContext | undefined;
  try {
    const parsed = JSON.parse(payload.view?.private_metadata ?? '') as SkipContext;
    context = decodeValue(JSON.stringify(parsed)) && typeof parsed.channel === 'string' ? parsed : undefined;
  } catch {
    context = undefined;
  }
  return context && { context, reason: payload.view?.state?.values?.reason?.reason?.value?.trim() };
}

/** The pause dialog submitted: pause the drill with the reason, and say so in the progress message's thread. */
async function onPauseReason(payload: SlackInteraction, deps: InteractionDeps, meta: InteractionMeta): Promise<void> {
  const dialog = dialogOf(payload);
  if (!dialog) return deps.log?.('ignored a pause dialog without its drill');
  const { context, reason } = dialog;
  try {
    if (!reason) throw new Refusal('pausing a drill needs a reason');
    const record = await recordOf(deps, context.drill);
    const { by, linked } = personOf(record, payload.user.id);
    if (!linked) return await refuseStranger(deps, meta, 'pause', context, record, payload.user.id, reason);
    const result = await answer(deps, meta, 'pause', context, by, reason);
    if (!result.accepted) return await tellHandedOver(deps, context.channel, payload.user.id, result);
    deps.log?.(`${by} (${payload.user.id}) paused ${context.drill}: ${reason}`);
    const line = `⏸️ ${mention(by, record)} paused the drill: ${reason}. The step in flight finishes, then it holds before its next step until someone resumes it.`;
    await deps.web.chat.postMessage({ channel: context.channel, thread_ts: context.ts, text: line });
  } catch (error) {
    if (error instanceof Refusal || error instanceof DrillRefused)
      return tellRefusal(deps, context.channel, payload.user.id, error.message);
    throw error;
  }
}

async function onSkipReason(payload: SlackInteraction, deps: InteractionDeps, meta: InteractionMeta): Promise<void> {
  const dialog = dialogOf(payload);
  if (!dialog) return deps.log?.('ignored a skip dialog without its drill');
  const { context, reason } = dialog;
  try {
    if (!reason) throw new Refusal('skipping a step needs a reason');
    const record = await recordOf(deps, context.drill);
    const { by, linked } = personOf(record, payload.user.id);
    if (!linked) return await refuseStranger(deps, meta, 'skip', context, record, payload.user.id, reason);
    const result = await answer(deps, meta, 'skip', context, by, reason);
    if (!result.accepted) return await tellHandedOver(deps, context.channel, payload.user.id, result);
    deps.log?.(`${by} (${payload.user.id}) skipped ${context.gate} of ${context.drill}: ${reason}`);
  } catch (error) {
    if (error instanceof Refusal || error instanceof DrillRefused)
      return tellRefusal(deps, context.channel, payload.user.id, error.message);
    throw error;
  }
}

export async function handleInteraction(
  payload: SlackInteraction,
  deps: InteractionDeps,
  meta: InteractionMeta = {},
): Promise<void> {
  if (payload.type === 'block_actions') return onButton(payload, deps, meta);
  if (payload.type === 'view_submission' && payload.view?.callback_id === SKIP_MODAL)
    return onSkipReason(payload, deps, meta);
  if (payload.type === 'view_submission' && payload.view?.callback_id === PAUSE_MODAL)
    return onPauseReason(payload, deps, meta);
  deps.log?.(`ignored a ${payload.type} interaction`);
}
