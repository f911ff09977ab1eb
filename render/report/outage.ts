/**
 * An outage in the report (issue 20): the loss, how the drill knew of it and when the new site
 * served, on the timeline; the client's truth beside the drill's own figures and the plan's
 * objectives; the writes a person must reconcile, from the steps that found them.
 */
import { formatDuration } from '../../kinds/kit/schema/duration';
import { took } from './format';
import {
  type AttachedEvidence,
  type DrillRecord,
  FACT_WRITES_TO_RECONCILE,
  type StepRecord,
  type WriteToReconcile,
} from '../../domain';
import type { TimelineRow } from './bars';
import type { Block } from './blocks';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The earliest moment the timeline must show: the loss and the client's last write before it may precede the drill. */
export function outageStart(record: DrillRecord): number | undefined {
  const times = [
    record.siteLoss?.at,
    ...(record.clientEvidence ?? []).flatMap(({ evidence }) => [evidence.lossAt, evidence.lastAckBeforeLossAt]),
  ].filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
  return times.length ? Math.min(...times) : undefined;
}

/** Rows on top of the timeline: the outage from the loss until the new site served, and what each client saw. */
export function outageRows(record: DrillRecord, end: number): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const loss = record.siteLoss;
  const sites = record.plan?.sites ?? { primary: 'the primary', secondary: 'the secondary' };
  if (loss) {
    const served = record.rto?.to ? Date.parse(record.rto.to) : undefined;
    const how = loss.how === 'declared' ? `declared by ${loss.by}` : `detected: ${loss.by}`;
    rows.push({
      label: `${sites.primary} lost${served ? `; ${sites.secondary} served after ${formatDuration(served - loss.at)}` : '; no check saw a site serve'}`,
      level: 0,
      bars: [
        {
          from: loss.at,
          to: served ?? end,
          kind: 'outage',
          title: `${sites.primary} lost at ${iso(loss.at)} (${how})${served ? `, until ${record.rto?.evidence ?? 'the new site served'}` : ''}`,
        },
      ],
    });
    const started = Date.parse(record.startedAt);
    if (started > loss.at)
      rows.push({
        label: `before the drill: loss ${loss.how} → drill started`,
        level: 1,
        bars: [
          {
            from: loss.at,
            to: started,
            kind: 'outage',
            title: `From the loss to the drill's start (detecting and deciding before Drillbook ran)`,
          },
        ],
      });
  }
  for (const { evidence } of record.clientEvidence ?? []) {
    const { lastAckBeforeLossAt: from, firstAckAfterLossAt: to } = evidence;
    if (from === undefined) continue;
    rows.push({
      label: `client downtime ${evidence.downtimeMs === undefined ? '(never served again)' : formatDuration(evidence.downtimeMs)}: ${evidence.client}`,
      level: 1,
      bars: [
        {
          from,
          to: to ?? end,
          kind: 'client-downtime',
          title: `What ${evidence.client} saw: last write acknowledged before the loss at ${iso(from)}, ${to === undefined ? 'none acknowledged after it' : `first acknowledged by the new site at ${iso(to)}`}`,
        },
      ],
    });
  }
  return rows;
}

const lostWords = (e: AttachedEvidence['evidence']): string =>
  `${e.lost.count} of ${e.acknowledged} acknowledged writes` +
  (e.lost.count && e.lost.firstAt !== undefined && e.lost.lastAt !== undefined
    ? `, acknowledged ${iso(e.lost.firstAt)} → ${iso(e.lost.lastAt)} (window ${formatDuration(e.lost.windowMs)})`
    : '');

/** The writes to reconcile the steps found, each with the step that found it. */
export function writesToReconcile(record: DrillRecord): { step: StepRecord; write: WriteToReconcile }[] {
  return record.steps.flatMap((step) => {
    const writes = step.facts?.[FACT_WRITES_TO_RECONCILE];
    return Array.isArray(writes)
      ? (writes as WriteToReconcile[]).filter((w) => typeof w?.position === 'string').map((write) => ({ step, write }))
      : [];
  });
}

/** The report's outage sections: the loss, the client's truth beside the drill's figures, the writes to reconcile. */
export function outageBlocks(record: DrillRecord, at: (iso?: string) => string): Block[] {
  const blocks: Block[] = [];
  const loss = record.siteLoss;
  const objectives = record.plan?.objectives ?? {};
  if (loss) {
    blocks.push({ type: 'heading', level: 2, text: 'The site loss' });
    blocks.push({
      type: 'fields',
      rows: [
        ['Lost', `${record.plan?.sites.primary ?? 'the primary'} at ${at(iso(loss.at))}`],
        ['How the drill knows', loss.how === 'declared' ? `declared by ${loss.by} at start` : `detected: ${loss.by}`],
        [
          'Until the new site served',
          record.rto?.measuredMs === undefined ? 'no check saw it serve' : took(record.rto.measuredMs),
        ],
      ],
    });
  }
  for (const { evidence: e, by, at: attached } of record.clientEvidence ?? []) {
    blocks.push({ type: 'heading', level: 2, text: `The client's truth: ${e.client}` });
    blocks.push({
      type: 'paragraph',
      text: `Attached by ${by} at ${at(attached)}; the client's clock put the loss at ${at(iso(e.lossAt))}.`,
    });
    const objective = (ms: number | undefined) => (ms === undefined ? 'none set' : formatDuration(ms));
    const rows: string[][] = [
      [
        'Downtime',
        e.downtimeMs === undefined ? 'the new site never acknowledged a write' : formatDuration(e.downtimeMs),
        record.rto?.measuredMs === undefined ? 'not measured' : `RTO ${formatDuration(record.rto.measuredMs)}`,
        objective(objectives.rtoMs),
      ],
      [
        'Writes lost',
        lostWords(e),
        record.rpo?.measuredMs === undefined ? 'not measured' : `RPO ${formatDuration(record.rpo.measuredMs)}`,
        objective(objectives.rpoMs),
      ],
    ];
    if (e.writers)
      rows.push([
        'Two writers at once',
        `${e.writers.twoWriterSamples} of ${e.writers.samples} samples (every ${formatDuration(e.writers.intervalMs)}; ${e.writers.pairs.join(', ')})`,
        '—',
        'none',
      ]);
    blocks.push({ type: 'table', head: ['', 'The client saw', 'The drill measured', 'Objective'], rows });
  }
  const writes = writesToReconcile(record);
  if (writes.length) {
    blocks.push({ type: 'heading', level: 2, text: 'Writes to reconcile' });
    blocks.push({
      type: 'paragraph',
      text: 'Transactions the old primary committed that never reached the new one: a person decides what to replay.',
    });
    blocks.push({
      type: 'table',
      head: ['Position', 'Committed', 'Rows', 'Found by'],
      rows: writes.map(({ step, write }) => [
        write.position,
        write.at ?? 'unknown',
        (write.rows ?? []).join('; '),
        step.title,
      ]),
    });
  }
  return blocks;
}
