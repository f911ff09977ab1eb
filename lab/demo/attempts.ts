/**
 * The demo's word on retries: in a run without faults every step passes on its first attempt, since
 * a check of something that takes time to appear waits for it (`within`) instead of failing and being
 * retried. Says which steps needed more, and which waited on another system and for how long.
 */
import type { DrillRecord, StepRecord } from '../../domain';

const automated = (step: StepRecord): boolean =>
  step.action !== 'manualTask' && step.status !== 'pending' && step.status !== 'skipped';

/** Attempts over all runs of a step: an operator's retry is a run, Temporal's retries are attempts. */
const attemptsOf = (step: StepRecord): number =>
  step.attempts + (step.previousRuns ?? []).reduce((n, run) => n + run.attempts, 0);

const waitedMs = (step: StepRecord): number | undefined => {
  const waited = step.facts?.waitedMs;
  return typeof waited === 'number' ? waited : undefined;
};

export function attemptsLine(record: DrillRecord): string {
  const steps = record.steps.filter(automated);
  const again = steps.filter((s) => attemptsOf(s) > 1);
  const waited = steps
    .filter((s) => (waitedMs(s) ?? 0) >= 1000)
    .sort((a, b) => (waitedMs(b) ?? 0) - (waitedMs(a) ?? 0));
  const waits = waited.length
    ? `; ${waited.length} waited on another system (longest ${((waitedMs(waited[0]) ?? 0) / 1000).toFixed(1)} s: ${waited[0].id})`
    : '';
  if (!again.length) return `attempts: all ${steps.length} automated steps passed on their first attempt${waits}`;
  const listed = again
    .map((s) => `${s.id} (${attemptsOf(s)} attempts${s.runs > 1 ? `, ${s.runs} runs` : ''})`)
    .join(', ');
  return `attempts: ${again.length} of ${steps.length} automated steps needed more than one: ${listed}${waits}`;
}
