/**
 * An outage's own figures and words (issue 20), pure over the record so the recorder and the
 * drill's endings share them: when the primary was lost and how the drill knows, the RPO from what
 * the new side holds, whether a canary was ever written, and where service is as far as the drill
 * knows when it ends.
 */
import {
  directionOf,
  FACT_NEWEST_REPLICATED_AT,
  FACT_RPO_BASIS,
  type DrillRecord,
  type Measurement,
  type PhaseId,
  type SiteLoss,
  type StepRecord,
} from '../domain';

const iso = (ms: number): string => new Date(ms).toISOString();

/** "declared by alice at start" / "detected: …": how the record knows when the primary was lost. */
export function lossWords(loss: SiteLoss): string {
  return loss.how === 'declared' ? `declared by ${loss.by} at start` : `detected: ${loss.by}`;
}

/** A step on the lost primary failed: the loss as the drill saw it, from the moment that step began. */
export function lossSeenBy(step: StepRecord, message: string, primary: string): SiteLoss {
  const at = Date.parse(step.startedAt ?? step.endedAt ?? '');
  return {
    at,
    how: 'detected',
    by: `the first failing check of ${primary} the drill saw, "${step.title}" (${message.split('\n')[0]})`,
  };
}

/** No check failed on the primary before the new site served: the drill's start is the loss it knows. */
export function lossAtStart(record: DrillRecord): SiteLoss {
  return {
    at: Date.parse(record.startedAt),
    how: 'detected',
    by: `no check of ${record.plan?.sites.primary ?? 'the primary'} failed before the new site served, so the drill's start`,
  };
}

/** What one component's new side holds from the lost primary, from its steps' facts. */
export interface Replicated {
  component: string;
  at: string;
  basis?: string;
  stepId: string;
}

/** A step's `newestReplicatedAt` fact, when it reports a valid time. */
export function replicatedOf(step: StepRecord): Replicated | undefined {
  const at = step.facts?.[FACT_NEWEST_REPLICATED_AT];
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return undefined;
  const basis = step.facts?.[FACT_RPO_BASIS];
  return {
    component: step.component ?? step.id,
    at,
    basis: typeof basis === 'string' ? basis : undefined,
    stepId: step.id,
  };
}

/**
 * An outage's RPO: the writes the new side does not hold are at most those after the oldest of the
 * components' newest replicated writes, until the loss. The evidence names each component's basis.
 */
export function rpoFromReplicated(
  replicated: Replicated[],
  loss: SiteLoss,
  objectiveMs: number | undefined,
  secondary: string,
  notes: string[],
): Measurement {
  const sorted = [...replicated].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const oldest = sorted[0];
  const measuredMs = Math.max(0, loss.at - Date.parse(oldest.at));
  const each = sorted.map((r) => `${r.component} up to ${r.at}${r.basis ? ` (${r.basis})` : ''}`).join('; ');
  const evidence =
    `${secondary} holds the lost primary's writes of ${each}; the primary was lost at ${iso(loss.at)} (${lossWords(loss)}), ` +
    `so at most ${(measuredMs / 1000).toFixed(1)} s of writes before it are lost (the oldest, ${oldest.component})` +
    (notes.length ? `; ${notes.join('; ')}` : '');
  return {
    measuredMs,
    objectiveMs,
    met: objectiveMs === undefined ? undefined : measuredMs <= objectiveMs,
    from: oldest.at,
    to: iso(loss.at),
    evidence,
  };
}

/** Whether any step of this component said it wrote a canary (its `canary` fact). */
export function canaryWritten(record: DrillRecord, component: string | undefined): boolean {
  return record.steps.some(
    (s) => s.component === component && (Boolean(s.facts?.canary) || s.facts?.canaryWritten === true),
  );
}

const SWITCHES: { phase: PhaseId; check: PhaseId }[] = [
  { phase: 'failover', check: 'failover-check' },
  { phase: 'failback', check: 'failback-check' },
];

/**
 * Where service is as far as the drill knows, in one sentence: the last switch that changed
 * anything says it (promoted and seen serving, promoted only, or the old side stopped and nothing
 * started); `served` says which check steps saw the new side serve (the RTO's ends).
 */
export function whereServiceIs(record: DrillRecord, served: (step: StepRecord) => boolean): string {
  const names = record.plan?.sites ?? { primary: 'the primary', secondary: 'the secondary' };
  const lost = record.mode === 'failover';
  const changed = (s: StepRecord, phase: PhaseId) => s.phase === phase && s.destructive && s.status === 'succeeded';
  for (const { phase, check } of [...SWITCHES].reverse()) {
    const { from, to } = directionOf(phase);
    const promoted = record.steps.some((s) => changed(s, phase) && s.site === to);
    const stopped = record.steps.some((s) => changed(s, phase) && s.site === from);
    const seen = record.steps.find((s) => s.phase === check && s.status === 'succeeded' && served(s));
    if (promoted && seen) return `service is on ${names[to]} (its check "${seen.title}" saw it serve)`;
    if (promoted)
      return `${names[to]} was promoted but no check saw it serve${lost && to === 'secondary' ? `, and ${names.primary} was lost` : ''}, so no site is known to serve`;
    if (stopped && !lost) return `${names[from]} was stopped and ${names[to]} not started, so no site serves`;
  }
  if (lost) return `nothing was promoted; the primary (${names.primary}) was lost, so no site serves`;
  return `nothing was switched, so service stays on ${record.mode === 'failback' ? names.secondary : names.primary}`;
}

/** An outage's switch changed something the way back could undo: a step on the new side was promoted or started. */
export function promoted(record: DrillRecord): boolean {
  return record.steps.some(
    (s) => s.phase === 'failover' && s.destructive && s.status === 'succeeded' && s.site === 'secondary',
  );
}
