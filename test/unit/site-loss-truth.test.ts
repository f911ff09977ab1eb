/**
 * The client's truth of a site loss from crafted logs: what the downtime and the lost writes are
 * when the client's log and the new side's contents say so, and what is left untold when they
 * cannot (the new site never answered).
 */
import { clientEvidence, clientEvidenceLine } from '../../lab/siteLoss/clientTruth';
import type { WriteRecord } from '../../lab/siteLoss/writeLog';

const LOSS = 1_000_000;

/** A write every 100 ms from `from`, acknowledged by `site` (or refused when site is undefined). */
function writes(from: number, count: number, site: string | undefined, firstSeq = 1): WriteRecord[] {
  return Array.from({ length: count }, (_, n) => {
    const sentAt = from + n * 100;
    const seq = firstSeq + n;
    return site
      ? { seq, id: `w${seq}`, sentAt, ackedAt: sentAt + 5, site, ok: true }
      : { seq, id: `w${seq}`, sentAt, site: 'secondary', ok: false, error: 'primary: ECONNREFUSED; secondary: 503' };
  });
}
const ids = (log: WriteRecord[]) => new Set(log.filter((w) => w.ok).map((w) => w.id));

test('everything replicated: the downtime runs from the last acknowledgement before the loss to the first on the new site', () => {
  const before = writes(LOSS - 1000, 10, 'primary'); // acked at LOSS-995 … LOSS-95
  const gap = writes(LOSS, 300, undefined, 11);
  const after = writes(LOSS + 30_000, 5, 'secondary', 311);
  const log = [...before, ...gap, ...after];
  const evidence = clientEvidence({ client: 'c', lossAt: LOSS, newSite: 'secondary', writes: log, held: ids(log) });
  expect(evidence.acknowledged).toBe(15);
  expect(evidence.lastAckBeforeLossAt).toBe(LOSS - 95);
  expect(evidence.firstAckAfterLossAt).toBe(LOSS + 30_005);
  expect(evidence.downtimeMs).toBe(30_100);
  expect(evidence.lost).toEqual({ count: 0, windowMs: 0 });
  expect(clientEvidenceLine(evidence)).toBe('downtime 30.1 s as the client saw it; 0 of 15 acknowledged writes lost');
});

test('writes the primary acknowledged that the new side lacks are lost, with the window back from the loss', () => {
  const before = writes(LOSS - 1000, 10, 'primary');
  const after = writes(LOSS + 5000, 3, 'secondary', 11);
  const log = [...before, ...after];
  // The last four acknowledged before the loss never replicated.
  const held = new Set([...ids(log)].filter((id) => !['w7', 'w8', 'w9', 'w10'].includes(id)));
  const evidence = clientEvidence({ client: 'c', lossAt: LOSS, newSite: 'secondary', writes: log, held });
  expect(evidence.lost).toEqual({ count: 4, firstAt: LOSS - 395, lastAt: LOSS - 95, windowMs: 395 });
  expect(clientEvidenceLine(evidence)).toContain('4 of 13 acknowledged writes lost (the last 0.4 s before the loss)');
});

test('refused writes are never counted as lost, whatever the new side holds', () => {
  const log = [
    ...writes(LOSS - 500, 5, 'primary'),
    ...writes(LOSS, 50, undefined, 6),
    ...writes(LOSS + 5000, 1, 'secondary', 56),
  ];
  const evidence = clientEvidence({ client: 'c', lossAt: LOSS, newSite: 'secondary', writes: log, held: ids(log) });
  expect(evidence.acknowledged).toBe(6);
  expect(evidence.lost.count).toBe(0);
});

test('a new site that never acknowledged leaves the downtime untold, not zero', () => {
  const log = [...writes(LOSS - 500, 5, 'primary'), ...writes(LOSS, 50, undefined, 6)];
  const evidence = clientEvidence({ client: 'c', lossAt: LOSS, newSite: 'secondary', writes: log, held: ids(log) });
  expect(evidence.firstAckAfterLossAt).toBeUndefined();
  expect(evidence.downtimeMs).toBeUndefined();
  expect(clientEvidenceLine(evidence)).toMatch(/^the new site never acknowledged a write/);
});

test('an old primary acknowledging after the loss (it came back) does not end the downtime', () => {
  const log = [
    ...writes(LOSS - 300, 3, 'primary'),
    ...writes(LOSS + 2000, 2, 'primary', 4), // the returned old primary answering: not the new site
    ...writes(LOSS + 9000, 1, 'secondary', 6),
  ];
  const evidence = clientEvidence({ client: 'c', lossAt: LOSS, newSite: 'secondary', writes: log, held: ids(log) });
  expect(evidence.firstAckAfterLossAt).toBe(LOSS + 9005);
  expect(evidence.downtimeMs).toBe(LOSS + 9005 - (LOSS - 95));
});

test("the watcher's figures are carried as given", () => {
  const writers = { pairs: ['mariadb'], samples: 10, twoWriterSamples: 0, intervalMs: 100 };
  const evidence = clientEvidence({
    client: 'c',
    lossAt: LOSS,
    newSite: 'secondary',
    writes: [],
    held: new Set(),
    writers,
  });
  expect(evidence.writers).toEqual(writers);
  expect(evidence.acknowledged).toBe(0);
});
