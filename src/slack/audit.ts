/**
 * Slack refusals in the audit trail. A request refused before it was read (bad signature, stale,
 * replayed) is kept under the target its button or dialog claims, when a drill of that target exists
 * (the claim is unverified, and the reason says so), else in the unattributed trail; a forger cannot
 * make a trail for any name they like.
 */
import type { Client } from '@temporalio/client';
import { appendAudit, UNATTRIBUTED } from '../../store/auditTrail';
import { decodeValue } from '../../render/slack/actions';
import { type AuditEntry, type AuditKind, drillWorkflowId } from '../../domain';

/** What a refused request says about itself: the drill it names and the Slack user, neither verified. */
export function claimOf(rawBody: Buffer): { drill?: string; user?: string } {
  try {
    const payload = JSON.parse(new URLSearchParams(rawBody.toString('utf8')).get('payload') ?? '') as {
      user?: { id?: unknown };
      actions?: { value?: unknown }[];
      view?: { private_metadata?: unknown };
    };
    const value = decodeValue(payload.actions?.[0]?.value) ?? decodeValue(payload.view?.private_metadata);
    return { drill: value?.drill, user: typeof payload.user?.id === 'string' ? payload.user.id : undefined };
  } catch {
    return {};
  }
}

export interface TransportRefusal {
  kind: AuditKind;
  reason: string;
  from?: string;
  rawBody: Buffer;
}

export type SlackAuditor = (refusal: TransportRefusal) => Promise<void>;

const targetOf = (drill: string | undefined): string | undefined =>
  drill?.startsWith('drill-') ? drill.slice('drill-'.length) : undefined;

/** Keeps transport refusals in the audit folder, attributing each to a target only when a drill of it exists. */
export function slackAuditor(
  auditDir: string,
  temporal: Client,
  log: (message: string) => void = () => undefined,
): SlackAuditor {
  return async ({ kind, reason, from, rawBody }) => {
    const claim = claimOf(rawBody);
    const claimed = targetOf(claim.drill);
    const exists = claimed
      ? await temporal.workflow
          .getHandle(drillWorkflowId(claimed))
          .describe()
          .then(
            () => true,
            () => false,
          )
      : false;
    const entry: AuditEntry = {
      at: new Date().toISOString(),
      target: exists && claimed ? claimed : UNATTRIBUTED,
      kind,
      via: 'slack',
      reason: `${reason}${claim.user ? `; the request claimed to come from Slack user ${claim.user}` : ''}${claim.drill ? ` for ${claim.drill}` : ''} (unverified)`,
      workflowId: exists ? claim.drill : undefined,
      from,
    };
    const kept = await appendAudit(auditDir, entry);
    if (kept === 'trail-full') log(`audit trail of ${entry.target} is full; refusal only logged`);
  };
}
