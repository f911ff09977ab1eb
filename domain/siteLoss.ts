/**
 * A site lost without warning: what a client writing through the serving endpoint saw, what the
 * drill was told about the loss, and what the returning old primary held that never replicated.
 * One home for these shapes: the lab's load client and watcher produce them, the CLI attaches
 * them to a drill, the workflow keeps them in the record, the report and metrics draw them.
 */

/** When the primary site was lost, as the operator declares it at start (`--lost-at`) or a check detected it. */
export interface SiteLoss {
  /** Epoch ms. */
  at: number;
  how: 'declared' | 'detected';
  /** Who declared it, or which check saw it. */
  by: string;
}

/** Writes one client made through the serving endpoint, judged against what the new side holds. */
export interface ClientEvidence {
  /** What wrote and where: "stand-in TIP app indicators through http://127.0.0.1:18081 then :18082". */
  client: string;
  /** Epoch ms the primary site's servers were killed (the harness's own clock). */
  lossAt: number;
  /** Writes the service acknowledged over the whole run. */
  acknowledged: number;
  /** The last write acknowledged before the loss, and the first acknowledged by the new site (epoch ms). */
  lastAckBeforeLossAt?: number;
  firstAckAfterLossAt?: number;
  /** Downtime as the client saw it: firstAckAfterLossAt - lastAckBeforeLossAt; absent while the new site never acknowledged. */
  downtimeMs?: number;
  /** Acknowledged writes the new side does not hold: the true RPO. */
  lost: { count: number; firstAt?: number; lastAt?: number; windowMs: number };
  /** The sampler of every replicated pair for two writers at once, through the loss, the return and the failback. */
  writers?: { pairs: string[]; samples: number; twoWriterSamples: number; intervalMs: number };
}

/** A transaction the old primary executed that never reached the new one: a person reconciles it. */
export interface WriteToReconcile {
  /** Its GTID (MariaDB `domain-server-sequence`) or another position naming it. */
  position: string;
  /** When the old primary committed it, when known (ISO). */
  at?: string;
  /** The rows it wrote, as text a person can read ("INSERT INTO indicators (id, value) VALUES (…)"). */
  rows: string[];
}

/**
 * Step facts with a meaning beyond their step, read by the record and the report:
 * - `writesToReconcile`: WriteToReconcile[] found by a reprotect step;
 * - `newestReplicatedAt`: ISO time of the newest write the new side holds from the lost primary
 *   (PostgreSQL's last replayed transaction, a replica's last applied event), the basis of an
 *   outage's RPO; `rpoBasis` says in one sentence what was read.
 */
export const FACT_WRITES_TO_RECONCILE = 'writesToReconcile';
export const FACT_NEWEST_REPLICATED_AT = 'newestReplicatedAt';
export const FACT_RPO_BASIS = 'rpoBasis';

/** ClientEvidence as a drill keeps it: who attached it, when, and through which door. */
export interface AttachedEvidence {
  evidence: ClientEvidence;
  by: string;
  at: string;
}

const isMs = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/**
 * What is wrong with a ClientEvidence, each problem naming its field's path and what it accepts
 * (empty when it is one). The CLI refuses with these before sending; the drill refuses them again.
 */
export function clientEvidenceProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return ['(the whole file): expected a JSON object with client, lossAt, acknowledged and lost'];
  const e = value as Record<string, unknown>;
  const problems: string[] = [];
  const ms = (path: string, v: unknown, required: boolean) => {
    if (v === undefined && !required) return;
    if (!isMs(v)) problems.push(`${path}: expected a number of milliseconds (epoch ms for a time), 0 or more`);
  };
  if (typeof e.client !== 'string' || e.client.trim() === '')
    problems.push('client: expected a sentence saying what wrote and where');
  ms('lossAt', e.lossAt, true);
  if (!Number.isInteger(e.acknowledged) || (e.acknowledged as number) < 0)
    problems.push('acknowledged: expected a whole number of writes, 0 or more');
  ms('lastAckBeforeLossAt', e.lastAckBeforeLossAt, false);
  ms('firstAckAfterLossAt', e.firstAckAfterLossAt, false);
  ms('downtimeMs', e.downtimeMs, false);
  const lost = e.lost as Record<string, unknown> | undefined;
  if (typeof lost !== 'object' || lost === null || Array.isArray(lost))
    problems.push('lost: expected { count, windowMs } with firstAt and lastAt when any write was lost');
  else {
    if (!Number.isInteger(lost.count) || (lost.count as number) < 0)
      problems.push('lost.count: expected a whole number of writes, 0 or more');
    ms('lost.windowMs', lost.windowMs, true);
    ms('lost.firstAt', lost.firstAt, false);
    ms('lost.lastAt', lost.lastAt, false);
  }
  const writers = e.writers as Record<string, unknown> | undefined;
  if (writers !== undefined) {
    if (typeof writers !== 'object' || writers === null || Array.isArray(writers))
      problems.push('writers: expected { pairs, samples, twoWriterSamples, intervalMs }');
    else {
      if (!Array.isArray(writers.pairs) || !writers.pairs.every((p) => typeof p === 'string'))
        problems.push('writers.pairs: expected a list of the replicated pairs sampled, as text');
      for (const key of ['samples', 'twoWriterSamples'] as const)
        if (!Number.isInteger(writers[key]) || (writers[key] as number) < 0)
          problems.push(`writers.${key}: expected a whole number, 0 or more`);
      ms('writers.intervalMs', writers.intervalMs, true);
    }
  }
  return problems;
}

/** What is wrong with a SiteLoss given at a drill's start (`--lost-at`), relative to `now` (epoch ms). */
export function siteLossProblems(value: unknown, now: number): string[] {
  if (typeof value !== 'object' || value === null) return ['siteLoss: expected { at, how, by }'];
  const loss = value as Record<string, unknown>;
  const problems: string[] = [];
  if (!isMs(loss.at)) problems.push('siteLoss.at: expected the time of the loss in epoch ms');
  // A minute's grace for clocks that differ between the starter and the worker.
  else if (loss.at > now + 60_000)
    problems.push(
      `siteLoss.at: ${new Date(loss.at).toISOString()} is in the future; a loss is declared once it happened`,
    );
  if (loss.how !== 'declared' && loss.how !== 'detected') problems.push('siteLoss.how: expected declared or detected');
  if (typeof loss.by !== 'string' || loss.by.trim() === '') problems.push('siteLoss.by: say who declared it');
  return problems;
}
