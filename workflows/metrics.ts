/**
 * Drill metrics, emitted through the worker's Temporal runtime (served as Prometheus text by
 * `drillbook worker --metrics-port`). The SDK drops them while a history replays, so each drill
 * counts once. Emitting a metric issues no command: nothing here changes what a history replays.
 */
import { metricMeter } from '@temporalio/workflow';
import type { DrillRecord, Measurement, PrecheckResult, WaitRecord } from '../domain';

const drills = metricMeter.createCounter(
  'drillbook_drills',
  'drills',
  'Drills that ended, by target, mode and outcome',
);
const stepDuration = metricMeter.createHistogram(
  'drillbook_step_duration_ms',
  'int',
  'ms',
  'Time a step took, start to end, by action and outcome',
);
const peopleWait = metricMeter.createHistogram(
  'drillbook_people_wait_ms',
  'int',
  'ms',
  'Time a drill waited for people at a gate, by kind of gate and gate',
);
const measured = metricMeter.createGauge(
  'drillbook_objective_measured_ms',
  'int',
  'ms',
  'The last measured RTO, RPO or time to protection of a target (objective=rto|rpo|protection)',
);
const objective = metricMeter.createGauge(
  'drillbook_objective_target_ms',
  'int',
  'ms',
  'The RTO, RPO or time-to-protection objective of a target, from its plan',
);
const readiness = metricMeter.createGauge(
  'drillbook_readiness',
  'int',
  '',
  '1 when the last readiness precheck of a target found no drift, 0 otherwise',
);
const drifts = metricMeter.createGauge(
  'drillbook_readiness_drifts',
  'int',
  '',
  'Drifts the last readiness precheck of a target found',
);
const met = metricMeter.createGauge(
  'drillbook_objective_met',
  'int',
  '',
  '1 when the last drill met the objective, 0 when it missed it',
);

const clientDowntime = metricMeter.createGauge(
  'drillbook_client_downtime_ms',
  'int',
  'ms',
  "The downtime a client writing through the service saw in a target's last outage drill (the worst of its clients)",
);
const clientLost = metricMeter.createGauge(
  'drillbook_client_lost_writes',
  'int',
  '',
  "Acknowledged writes a client lost in a target's last outage drill (all its clients): the true RPO's count",
);
const clientLostWindow = metricMeter.createGauge(
  'drillbook_client_lost_window_ms',
  'int',
  'ms',
  "The span of the acknowledged writes lost in a target's last outage drill (the widest of its clients): the true RPO",
);
const twoWriters = metricMeter.createGauge(
  'drillbook_two_writer_samples',
  'int',
  '',
  "Samples that found two writers at once in a target's last outage drill (all its clients' watchers)",
);

/** What the clients of an outage drill saw (`drillbook evidence`), beside the drill's own RTO and RPO. */
function clientTruth(record: DrillRecord): void {
  const all = (record.clientEvidence ?? []).map((attached) => attached.evidence);
  if (!all.length) return;
  const tags = { target: record.target };
  const downtimes = all.map((e) => e.downtimeMs).filter((ms): ms is number => ms !== undefined);
  if (downtimes.length) clientDowntime.set(Math.round(Math.max(...downtimes)), tags);
  clientLost.set(
    all.reduce((sum, e) => sum + e.lost.count, 0),
    tags,
  );
  clientLostWindow.set(Math.round(Math.max(...all.map((e) => e.lost.windowMs))), tags);
  const watched = all.filter((e) => e.writers);
  if (watched.length)
    twoWriters.set(
      watched.reduce((sum, e) => sum + (e.writers?.twoWriterSamples ?? 0), 0),
      tags,
    );
}

export function drillEnded(record: DrillRecord): void {
  drills.add(1, { target: record.target, mode: record.mode, outcome: record.status });
  for (const [name, measurement] of [
    ['rto', record.rto],
    ['rpo', record.rpo],
    ['protection', record.protection],
  ] as const)
    measurementOf(record.target, name, measurement);
  clientTruth(record);
}

function measurementOf(target: string, name: 'rto' | 'rpo' | 'protection', measurement: Measurement | undefined): void {
  if (!measurement) return;
  const tags = { target, objective: name };
  if (measurement.measuredMs !== undefined) measured.set(Math.round(measurement.measuredMs), tags);
  if (measurement.objectiveMs !== undefined) objective.set(measurement.objectiveMs, tags);
  if (measurement.met !== undefined) met.set(measurement.met ? 1 : 0, tags);
}

export function readinessChecked(result: PrecheckResult): void {
  readiness.set(result.ready ? 1 : 0, { target: result.target });
  drifts.set(result.drifts.length, { target: result.target });
}

export function stepEnded(
  action: string,
  status: string,
  startedAt: string | undefined,
  endedAt: string | undefined,
): void {
  if (!startedAt || !endedAt) return;
  stepDuration.record(Math.max(0, Date.parse(endedAt) - Date.parse(startedAt)), { action, status });
}

export function gateClosed(wait: WaitRecord): void {
  peopleWait.record(Math.max(0, Date.parse(wait.to) - Date.parse(wait.from)), {
    kind: wait.kind,
    gate: wait.id,
    result: wait.result,
  });
}
