/**
 * `drillbook evidence`: a client's truth about an outage (downtime, writes lost, two writers)
 * attached to the running drill and kept in its record beside the drill's own figures. Any time
 * before the drill ends; at its sign-off is the usual moment (the harness's client has measured by then).
 */
import { setHandler } from '@temporalio/workflow';
import { MAX_REFUSALS_RECORDED } from './gates';
import { attachEvidenceSignal, attachEvidenceUpdate, type EvidenceInput, type HandlerResult } from './handlers';
import type { Recorder } from './recorder';
import { clientEvidenceProblems } from '../domain';

const now = (): string => new Date().toISOString();

/** Why this evidence cannot be attached now, or undefined when it can. */
function refusal(recorder: Recorder, input: EvidenceInput): string | undefined {
  if (typeof input?.by !== 'string' || input.by.trim() === '') return 'by: say who attaches the evidence';
  if (recorder.record.endedAt)
    return `the drill ended (${recorder.record.status}); evidence is attached to a drill while it runs`;
  const problems = clientEvidenceProblems(input.evidence);
  return problems.length ? `invalid evidence: ${problems.join('; ')}` : undefined;
}

function attach(recorder: Recorder, input: EvidenceInput): HandlerResult {
  const { evidence, by } = input;
  (recorder.record.clientEvidence ??= []).push({ evidence, by, at: now() });
  recorder.publish();
  const downtime =
    evidence.downtimeMs === undefined
      ? 'no write acknowledged on the new site'
      : `downtime ${(evidence.downtimeMs / 1000).toFixed(1)} s`;
  return {
    accepted: true,
    message: `${recorder.record.drillId} keeps ${by}'s evidence from ${evidence.client}: ${downtime}, ${evidence.lost.count} of ${evidence.acknowledged} acknowledged writes lost`,
  };
}

/** Registers the update (answers its caller) and the signal (a refusal is kept in the record's refusals). */
export function registerEvidence(recorder: Recorder): void {
  setHandler(attachEvidenceUpdate, (input) => attach(recorder, input), {
    validator: (input) => {
      const why = refusal(recorder, input);
      if (why) throw new Error(why);
    },
    description:
      'Attach a client\'s evidence of an outage. Input: { "by": "harness", "evidence": ClientEvidence (domain/siteLoss.ts) }.',
  });
  setHandler(
    attachEvidenceSignal,
    (input) => {
      const why = refusal(recorder, input);
      if (!why) return void attach(recorder, input);
      if (recorder.record.refusals.length >= MAX_REFUSALS_RECORDED) return;
      recorder.record.refusals.push({
        at: now(),
        by: String(input?.by ?? 'unknown'),
        action: 'attachEvidence',
        reason: why,
        via: 'signal',
      });
      recorder.publish();
    },
    { description: 'Same as the attachEvidence update, fire-and-forget.' },
  );
}
