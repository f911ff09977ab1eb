/**
 * The client's truth of a site loss, from its own log and what the new side holds: downtime as the
 * client saw it (its last acknowledged write before the loss to the first the new site
 * acknowledged) and the acknowledged writes the new side does not hold (the true RPO). Pure: the
 * caller reads the log and asks the new side.
 */
import type { ClientEvidence } from '../../domain';
import type { WriteRecord } from './writeLog';

export interface ClientTruthInput {
  /** What wrote and where, for the record ("stand-in TIP app indicators through …"). */
  client: string;
  /** Epoch ms the primary site was killed. */
  lossAt: number;
  /** The site the service moved to: its first acknowledgement after the loss ends the downtime. */
  newSite: string;
  writes: readonly WriteRecord[];
  /** The ids of the acknowledged writes the new side holds (asked after the failover). */
  held: ReadonlySet<string>;
  writers?: ClientEvidence['writers'];
}

type Acked = WriteRecord & { ackedAt: number };
const acked = (w: WriteRecord): w is Acked => w.ok && typeof w.ackedAt === 'number';

export function clientEvidence(input: ClientTruthInput): ClientEvidence {
  const { lossAt } = input;
  const ok = input.writes.filter(acked);
  const before = ok.filter((w) => w.ackedAt <= lossAt).map((w) => w.ackedAt);
  const after = ok.filter((w) => w.ackedAt > lossAt && w.site === input.newSite).map((w) => w.ackedAt);
  const lastAckBeforeLossAt = before.length ? Math.max(...before) : undefined;
  const firstAckAfterLossAt = after.length ? Math.min(...after) : undefined;
  const lostAt = ok.filter((w) => !input.held.has(w.id)).map((w) => w.ackedAt);
  const firstAt = lostAt.length ? Math.min(...lostAt) : undefined;
  const lastAt = lostAt.length ? Math.max(...lostAt) : undefined;
  return {
    client: input.client,
    lossAt,
    acknowledged: ok.length,
    ...(lastAckBeforeLossAt === undefined ? {} : { lastAckBeforeLossAt }),
    ...(firstAckAfterLossAt === undefined ? {} : { firstAckAfterLossAt }),
    // Without an acknowledgement on each side of the loss there is no downtime to tell, only "not back".
    ...(lastAckBeforeLossAt !== undefined && firstAckAfterLossAt !== undefined
      ? { downtimeMs: firstAckAfterLossAt - lastAckBeforeLossAt }
      : {}),
    lost: {
      count: lostAt.length,
      ...(firstAt === undefined ? {} : { firstAt, lastAt }),
      // The true RPO: how far back before the loss acknowledged data is gone (0 when nothing is).
      windowMs: firstAt === undefined ? 0 : Math.max(0, lossAt - firstAt),
    },
    ...(input.writers ? { writers: input.writers } : {}),
  };
}

/** One line for people: "downtime 43.2 s as the client saw it; 0 of 512 acknowledged writes lost". */
export function clientEvidenceLine(evidence: ClientEvidence): string {
  const downtime =
    evidence.downtimeMs === undefined
      ? 'the new site never acknowledged a write'
      : `downtime ${(evidence.downtimeMs / 1000).toFixed(1)} s as the client saw it`;
  const lost = evidence.lost.count
    ? `${evidence.lost.count} of ${evidence.acknowledged} acknowledged writes lost (the last ${(evidence.lost.windowMs / 1000).toFixed(1)} s before the loss)`
    : `0 of ${evidence.acknowledged} acknowledged writes lost`;
  return `${downtime}; ${lost}`;
}
