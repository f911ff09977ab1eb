/**
 * The drill's Slack messages as Block Kit, pure: what is about to happen, who may answer, and the
 * buttons that answer. `text` is always set too: it is the notification and screen-reader fallback.
 */
// @slack/types comes with @slack/web-api; only its types are used, so nothing extra ships.
import type { ActionsBlock, Button, KnownBlock, ModalView } from '@slack/types';
import { formatDuration } from '../../kinds/kit/schema/duration';
import { ACTIONS, BLOCKS, encodeValue, PAUSE_MODAL, SKIP_MODAL, type SkipContext } from './actions';
import type { DrillEvent, DrillHeadline, DrillRecord, PendingAction } from '../../domain';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const MAX_STEPS_LISTED = 20;
const MAX_SECTION = 2900;

const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
/** Slack mrkdwn treats &, < and > as markup. */
const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack user mention when the plan links the person to Slack, else their name. */
export const mention = (name: string, headline: Pick<DrillHeadline, 'plan'>): string => {
  const id = headline.plan?.slack?.users[name];
  return id ? `<@${id}>` : esc(name);
};

/** Shown in each reader's own time zone by Slack; the UTC text is the fallback. */
export const slackTime = (iso: string): string =>
  `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time_secs}|${iso.slice(0, 19).replace('T', ' ')} UTC>`;

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: cut(text, MAX_SECTION) },
});
const context = (text: string, blockId?: string): KnownBlock => ({
  type: 'context',
  ...(blockId ? { block_id: blockId } : {}),
  elements: [{ type: 'mrkdwn', text: cut(text, MAX_SECTION) }],
});
const header = (text: string): KnownBlock => ({ type: 'header', text: { type: 'plain_text', text: cut(text, 150) } });

function button(
  action: keyof typeof ACTIONS,
  label: string,
  value: string,
  style?: 'primary' | 'danger',
  confirm?: { title: string; text: string; yes: string },
): Button {
  return {
    type: 'button',
    action_id: ACTIONS[action],
    text: { type: 'plain_text', text: label },
    value,
    ...(style ? { style } : {}),
    ...(confirm
      ? {
          confirm: {
            title: { type: 'plain_text', text: cut(confirm.title, 100) },
            text: { type: 'mrkdwn', text: cut(confirm.text, 300) },
            confirm: { type: 'plain_text', text: confirm.yes },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        }
      : {}),
  };
}

const about = (r: DrillHeadline): string => `${r.mode} of *${esc(r.target)}*`;
const drillLine = (r: DrillHeadline): string =>
  `Drill \`${r.drillId}\`, requested by ${mention(r.requestedBy, r)}${r.reason ? ` (${esc(r.reason)})` : ''}`;

function whoMay(r: DrillHeadline, pending: PendingAction): string {
  const plan = r.plan;
  if (!plan) return '';
  if (pending.kind === 'pause')
    return 'Operators and approvers of the plan may resume it; the CLI (`drillbook resume`) and the Temporal UI (update `resume`) can too.';
  if (pending.kind !== 'approval') return 'Approvers and operators of the plan may answer.';
  const missing = pending.quorum - pending.approvedBy.length;
  const fourEyes = plan.fourEyes
    ? ` Four-eyes: ${mention(r.requestedBy, r)} started this drill and cannot approve it.`
    : '';
  const approvers = pending.approvers ?? plan.approvers;
  const roles = pending.roles?.length
    ? ` One approval per role, each by a different person: ${pending.roles.join(', ')}.`
    : '';
  return `Who may approve: ${approvers.map((a) => mention(a, r)).join(', ')}. ${missing} approval(s) needed.${roles}${fourEyes}`;
}

/** The message that opens a gate, with the buttons that answer it. */
export function gateMessage(event: Extract<DrillEvent, { type: 'gate-opened' }>): SlackMessage {
  const { record: r, pending, steps } = event;
  const value = encodeValue({ drill: r.drillId, gate: pending.id, kind: pending.kind, since: pending.since });
  const blocks: KnownBlock[] = [];
  let actions: ActionsBlock['elements'];
  let text: string;
  if (pending.kind === 'approval') {
    text = `Approval needed: ${pending.id} of the ${r.mode} of ${r.target}`;
    blocks.push(header(`Approval needed: ${pending.id}`), section(`${esc(pending.prompt)}\n${drillLine(r)}`));
    if (steps.length) {
      const listed = steps.slice(0, MAX_STEPS_LISTED).map((s) => `• ${esc(cut(s.title, 150))}`);
      if (steps.length > MAX_STEPS_LISTED) listed.push(`…and ${steps.length - MAX_STEPS_LISTED} more`);
      blocks.push(
        section(
          `*What happens on approval* (${steps.length} step${steps.length === 1 ? '' : 's'}):\n${listed.join('\n')}`,
        ),
      );
    }
    actions = [
      button('approve', 'Approve', value, 'primary', {
        title: `Approve ${pending.id}?`,
        text: `The ${r.mode} of ${esc(r.target)} goes ahead with the steps listed.`,
        yes: 'Approve',
      }),
      button('reject', 'Reject', value, 'danger', {
        title: `Reject ${pending.id}?`,
        text: 'The drill stops here and ends as rejected.',
        yes: 'Reject',
      }),
    ];
  } else if (pending.kind === 'decision') {
    text = `Step ${pending.id} of the ${r.mode} of ${r.target} failed: retry, skip or abort?`;
    blocks.push(header('A step failed: decision needed'), section(`${esc(pending.prompt)}\n${drillLine(r)}`));
    if (pending.error) blocks.push(section(`\`\`\`${esc(cut(pending.error, 2000))}\`\`\``));
    actions = [
      button('retry', 'Retry', value, 'primary'),
      button('skip', 'Skip…', value),
      button('abort', 'Abort', value, 'danger', {
        title: 'Abort the drill?',
        text: 'The drill stops here. After a switch, the way back is offered for approval.',
        yes: 'Abort',
      }),
    ];
  } else if (pending.kind === 'pause') {
    text = `The ${r.mode} of ${r.target} is paused: ${pending.prompt}`;
    blocks.push(header('Drill paused'), section(`${esc(pending.prompt)}\n${drillLine(r)}`));
    actions = [
      button('resume', 'Resume', value, 'primary', {
        title: 'Resume the drill?',
        text: `The ${r.mode} of ${esc(r.target)} goes on with its next step.`,
        yes: 'Resume',
      }),
    ];
  } else {
    text = `Manual task in the ${r.mode} of ${r.target}: ${pending.prompt}`;
    blocks.push(header('Manual task'), section(`${esc(pending.prompt)}\n${drillLine(r)}`));
    actions = [
      button('done', 'Mark done', value, 'primary', {
        title: 'Mark the task done?',
        text: esc(cut(pending.prompt, 250)),
        yes: 'Done',
      }),
    ];
  }
  blocks.push(context(whoMay(r, pending)), { type: 'actions', block_id: BLOCKS.actions, elements: actions });
  return { text, blocks };
}

const RESULT_WORDS = {
  approved: '✅ Approved',
  rejected: '❌ Rejected',
  completed: '☑️ Done',
  decided: '➡️ Decided',
  resumed: '▶️ Resumed',
  'timed-out': '⏱️ Nobody answered in time',
} as const;

/** The gate's message once it closed: no buttons left, who answered and when. */
export function closedGateMessage(event: Extract<DrillEvent, { type: 'gate-closed' }>, atIso: string): SlackMessage {
  const { record: r, pending, result, by } = event;
  const names = result === 'approved' && pending.approvedBy.length ? pending.approvedBy : by ? [by] : [];
  const who = names.length ? ` by ${names.map((n) => mention(n, r)).join(', ')}` : '';
  const line = `${RESULT_WORDS[result]}${who} · ${slackTime(atIso)}`;
  return {
    text: `${pending.id}: ${result}${by ? ` by ${by}` : ''}`,
    blocks: [section(`*${esc(pending.id)}* (${about(r)}): ${esc(pending.prompt)}`), context(line, BLOCKS.progress)],
  };
}

/** What the record says happened at a gate: one line per answer, for the message's progress line. */
export function progressLine(
  record: DrillRecord,
  kind: PendingAction['kind'],
  gate: string,
): { line: string; closed: boolean } {
  const open = record.pending?.id === gate && record.pending.kind === kind;
  const answers =
    kind === 'approval'
      ? record.approvals
          .filter((a) => a.gate === gate)
          .map(
            (a) =>
              `${a.decision === 'approved' ? '✅' : '❌'} ${mention(a.by, record)} ${a.decision} ${slackTime(a.at)}`,
          )
      : kind === 'decision'
        ? record.decisions
            .filter((d) => d.stepId === gate)
            .map(
              (d) =>
                `➡️ ${mention(d.by, record)} chose ${d.decision}${d.reason ? ` (${esc(d.reason)})` : ''} ${slackTime(d.at)}`,
            )
        : kind === 'pause'
          ? (record.pauses ?? [])
              .filter((p) => p.resumedBy && p.resumedAt)
              .map((p) => `▶️ ${mention(p.resumedBy as string, record)} resumed ${slackTime(p.resumedAt as string)}`)
              .slice(-1)
          : record.tasks
              .filter((t) => t.stepId === gate && t.completedBy)
              .map(
                (t) =>
                  `☑️ ${mention(t.completedBy as string, record)} marked it done ${slackTime(t.completedAt as string)}`,
              );
  const waiting =
    open && record.pending
      ? ` · waiting for ${record.pending.quorum - record.pending.approvedBy.length} more approval(s)`
      : '';
  return {
    line: `${answers.join(' · ') || 'No answer yet'}${open && kind === 'approval' ? waiting : open ? '' : ' · gate closed'}`,
    closed: !open,
  };
}

export function reminderText(event: Extract<DrillEvent, { type: 'gate-reminder' }>): string {
  const { record: r, pending } = event;
  const who = pending.kind === 'approval' ? ` ${r.plan?.approvers.map((a) => mention(a, r)).join(' ') ?? ''}` : '';
  return `⏰ Reminder: the ${r.mode} of ${esc(r.target)} has waited ${formatDuration(event.waitingMs)} for ${pending.kind} *${esc(pending.id)}*.${who}`;
}

export function startedText(r: DrillHeadline): string {
  return `🚦 The ${about(r)} started. ${drillLine(r)}. Sites: ${esc(r.plan?.sites.primary ?? '?')} (primary), ${esc(r.plan?.sites.secondary ?? '?')} (secondary).`;
}

export const phaseText = (r: DrillHeadline, phase: string): string => `▶️ ${about(r)}: phase *${esc(phase)}* started.`;

/**
 * The running drill's progress message, one per phase: what started, and a Pause button (the step in
 * flight finishes, then the drill holds before its next step until someone resumes it).
 */
export function phaseMessage(r: DrillHeadline, phase: string): SlackMessage {
  const value = encodeValue({ drill: r.drillId, gate: phase, kind: 'pause' });
  const pause = button('pause', 'Pause', value, undefined);
  return {
    text: phaseText(r, phase),
    blocks: [section(phaseText(r, phase)), { type: 'actions', block_id: BLOCKS.pause, elements: [pause] }],
  };
}

export function endedMessage(record: DrillRecord): SlackMessage {
  const icon =
    record.status === 'succeeded' ? '🏁' : record.status === 'aborted' || record.status === 'rejected' ? '🛑' : '⚠️';
  const measure = (name: string, m: DrillRecord['rto']) =>
    m
      ? `${name} ${m.measuredMs === undefined ? '?' : formatDuration(m.measuredMs)}${m.objectiveMs !== undefined ? ` (objective ${formatDuration(m.objectiveMs)}: ${m.met ? 'met' : '*missed*'})` : ''}`
      : `${name} not measured`;
  const text = `${icon} The ${record.mode} of ${record.target} ended: ${record.status}`;
  return {
    text,
    blocks: [
      section(`${icon} The ${about(record)} ended: *${record.status}*\n${esc(record.outcome ?? '')}`),
      context(
        `${measure('RTO', record.rto)} · ${measure('RPO', record.rpo)} · ${record.approvals.length} approval(s), ${record.decisions.length} decision(s) · the evidence report is in this thread`,
      ),
    ],
  };
}

/** A modal that asks why (the reason is kept in the record), keeping the drill and message in private_metadata. */
function reasonModal(
  callbackId: string,
  context: SkipContext,
  text: { title: string; submit: string; explain: string; question: string },
): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: JSON.stringify(context),
    title: { type: 'plain_text', text: text.title },
    submit: { type: 'plain_text', text: text.submit },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(text.explain),
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: text.question },
        element: { type: 'plain_text_input', action_id: 'reason', multiline: true, min_length: 3 },
      },
    ],
  };
}

/** Skipping needs a reason. */
export function skipModal(context: SkipContext): ModalView {
  return reasonModal(SKIP_MODAL, context, {
    title: 'Skip the failed step',
    submit: 'Skip step',
    explain: `The drill goes on without step \`${esc(context.gate)}\`. The reason is kept in the drill's record and report.`,
    question: 'Why skip it?',
  });
}

/** Pausing needs a reason. */
export function pauseModal(context: SkipContext): ModalView {
  return reasonModal(PAUSE_MODAL, context, {
    title: 'Pause the drill',
    submit: 'Pause',
    explain: `The step in flight of drill \`${esc(context.drill)}\` finishes, then the drill holds before its next step until someone resumes it. The reason is kept in the drill's record and report.`,
    question: 'Why pause it?',
  });
}
