/**
 * The drill as rows on a time line: phases, their steps, and the spans the drill waited for
 * people, with totals that tell machine time from people's time. Pure: the SVG Gantt and the
 * report's "Time" section are both drawn from it.
 */
import { ms } from './format';
import { outageRows, outageStart } from './outage';
import { formatDuration } from '../../kinds/kit/schema/duration';
import type { BarKind, TimelineBar, TimelineRow } from './bars';
import type { DrillRecord, StepRecord, WaitRecord } from '../../domain';

export type { BarKind, TimelineBar, TimelineRow } from './bars';

export interface Totals {
  totalMs: number;
  /** Union of the time step activities ran. */
  machineMs: number;
  /** Union of the time gates and manual tasks waited for a person. */
  peopleMs: number;
  /** Neither: orchestration between steps, notifications, retries' back-off. */
  otherMs: number;
}

export interface Timeline {
  start: number;
  end: number;
  rows: TimelineRow[];
  totals: Totals;
}

const WAIT_WORDS: Record<WaitRecord['kind'], string> = {
  approval: 'approval',
  decision: 'operator decision',
  task: 'manual task',
  pause: 'pause',
};

/** Every wait, with the one still open (if any) running up to `now`. */
export function waitsOf(record: DrillRecord, now: number): (WaitRecord & { open?: boolean })[] {
  const waits: (WaitRecord & { open?: boolean })[] = [...(record.waits ?? [])];
  const p = record.pending;
  if (p)
    waits.push({
      kind: p.kind,
      id: p.id,
      phase: p.phase,
      from: p.since,
      to: new Date(now).toISOString(),
      result: 'timed-out',
      open: true,
    });
  return waits;
}

function waitBar(wait: WaitRecord & { open?: boolean }): TimelineBar {
  const who = wait.by ? ` by ${wait.by}` : '';
  const what = wait.open ? 'still open' : `${wait.result}${who}`;
  return {
    from: ms(wait.from) as number,
    to: ms(wait.to) as number,
    kind: wait.open ? 'people-open' : 'people',
    title: `Waiting for ${WAIT_WORDS[wait.kind]} ${wait.id}: ${what}`,
  };
}

/** An approval gate names everyone who approved it (a quorum), other waits whoever closed them. */
function waitLabel(wait: WaitRecord, record: DrillRecord): string {
  const approvers =
    wait.kind === 'approval'
      ? record.approvals.filter((a) => a.gate === wait.id && Date.parse(a.at) >= Date.parse(wait.from)).map((a) => a.by)
      : [];
  const who = approvers.length ? approvers.join(', ') : wait.by;
  return `waiting: ${WAIT_WORDS[wait.kind]} ${wait.id}${who ? ` (${who})` : ''}`;
}

type Run = Pick<StepRecord, 'startedAt' | 'endedAt' | 'status' | 'attempts'>;

function runBar(step: StepRecord, run: Run, now: number): TimelineBar | undefined {
  const from = ms(run.startedAt);
  if (from === undefined) return undefined;
  const to = ms(run.endedAt) ?? now;
  // A manual task's time is a person's time, whatever its outcome.
  const kind: BarKind = step.action === 'manualTask' ? (run.endedAt ? 'people' : 'people-open') : run.status;
  return {
    from,
    to,
    kind,
    title: `${step.title}: ${run.status}${run.attempts > 1 ? `, ${run.attempts} attempts` : ''}`,
  };
}

/** Every run of a step (earlier runs an operator retried, then the last), as bars on one row. */
const stepBars = (step: StepRecord, now: number): TimelineBar[] =>
  [...(step.previousRuns ?? []), step]
    .map((run) => runBar(step, run, now))
    .filter((bar): bar is TimelineBar => Boolean(bar));

/** Length of the union of spans, so overlapping waits or steps are not counted twice. */
export function unionMs(spans: { from: number; to: number }[]): number {
  const sorted = spans.filter((s) => s.to > s.from).sort((a, b) => a.from - b.from);
  let total = 0;
  let curFrom = -Infinity;
  let curTo = -Infinity;
  for (const span of sorted) {
    if (span.from > curTo) {
      if (curTo > curFrom) total += curTo - curFrom;
      curFrom = span.from;
      curTo = span.to;
    } else {
      curTo = Math.max(curTo, span.to);
    }
  }
  if (curTo > curFrom) total += curTo - curFrom;
  return total;
}

export function buildTimeline(record: DrillRecord, now: number = Date.now()): Timeline {
  const started = ms(record.startedAt) as number;
  // An outage's loss (and a client's last write before it) may precede the drill: the chart starts there.
  const start = Math.min(started, outageStart(record) ?? started);
  const end = Math.max(ms(record.endedAt) ?? now, started);
  const waits = waitsOf(record, end);
  const placed = new Set<WaitRecord>();
  const rows: TimelineRow[] = outageRows(record, end);

  for (const phase of record.phases) {
    const phaseFrom = ms(phase.startedAt);
    const phaseBar: TimelineBar[] =
      phaseFrom === undefined
        ? []
        : [{ from: phaseFrom, to: ms(phase.endedAt) ?? end, kind: 'phase', title: `${phase.title} (${phase.status})` }];
    rows.push({ label: `${phase.id} (${phase.status})`, level: 0, bars: phaseBar });
    // The phase's approval comes first: nothing in it runs before.
    for (const wait of waits.filter((w) => w.kind === 'approval' && w.id === `approve-${phase.id}`)) {
      rows.push({ label: waitLabel(wait, record), level: 1, bars: [waitBar(wait)] });
      placed.add(wait);
    }
    for (const step of record.steps.filter((s) => s.phase === phase.id)) {
      // Steps of a parallel block ran at once: their bars overlap, and the label says why.
      rows.push({
        label: step.block === undefined ? step.title : `∥ ${step.title}`,
        level: 1,
        bars: stepBars(step, end),
      });
      // Tasks already show as the step's own bar; decisions follow the step they decide.
      for (const wait of waits.filter((w) => w.id === step.id)) {
        placed.add(wait);
        if (wait.kind === 'decision') rows.push({ label: waitLabel(wait, record), level: 1, bars: [waitBar(wait)] });
      }
    }
  }
  for (const wait of waits.filter((w) => !placed.has(w)).sort((a, b) => Date.parse(a.from) - Date.parse(b.from))) {
    rows.push({ label: waitLabel(wait, record), level: 0, bars: [waitBar(wait)] });
  }

  // The time to protection spans the switch: from the first stop until the test indicator is served again.
  const protection = record.protection;
  if (protection?.from && protection.to && protection.measuredMs !== undefined) {
    const against =
      protection.objectiveMs === undefined
        ? ''
        : ` (objective ${formatDuration(protection.objectiveMs)}, ${protection.met ? 'met' : 'MISSED'})`;
    rows.push({
      label: `time to protection ${formatDuration(protection.measuredMs)}${against}`,
      level: 0,
      bars: [
        {
          from: ms(protection.from) as number,
          to: ms(protection.to) as number,
          kind: 'protection',
          title: `Time to protection: ${protection.evidence}`,
        },
      ],
    });
  }

  const machine = record.steps.filter((s) => s.action !== 'manualTask').flatMap((s) => stepBars(s, end));
  const people = [
    ...waits.map(waitBar),
    ...record.steps.filter((s) => s.action === 'manualTask').flatMap((s) => stepBars(s, end)),
  ];
  const totalMs = end - started;
  const busy = unionMs([...machine, ...people]);
  return {
    start,
    end,
    rows,
    totals: { totalMs, machineMs: unionMs(machine), peopleMs: unionMs(people), otherMs: Math.max(0, totalMs - busy) },
  };
}
