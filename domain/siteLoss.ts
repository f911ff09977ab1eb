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
