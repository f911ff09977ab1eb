/** Where a drill's time went: inside activities, waiting for people, or in orchestration. */
import type { DrillRecord } from '../../domain';

export interface StepTiming {
  id: string;
  wallMs: number;
  activityMs: number;
  overheadMs: number;
}

/** Per automated step: wall time in the workflow's clock minus time inside the activity's last attempt. */
export function stepTimings(record: DrillRecord): StepTiming[] {
  return record.steps
    .filter(
      (s) =>
        s.action !== 'manualTask' && s.status === 'succeeded' && s.startedAt && s.endedAt && s.activityMs !== undefined,
    )
    .map((s) => {
      const wallMs = Date.parse(s.endedAt as string) - Date.parse(s.startedAt as string);
      return { id: s.id, wallMs, activityMs: s.activityMs as number, overheadMs: wallMs - (s.activityMs as number) };
    });
}

export function printTimings(record: DrillRecord, wallMs: number): void {
  const timings = stepTimings(record);
  const sum = (pick: (t: StepTiming) => number) => timings.reduce((n, t) => n + pick(t), 0);
  const overhead = timings.map((t) => t.overheadMs).sort((a, b) => a - b);
  const median = overhead[Math.floor(overhead.length / 2)] ?? 0;
  console.log(
    `drill wall time ${(wallMs / 1000).toFixed(1)}s; ${timings.length} automated steps: ${(sum((t) => t.activityMs) / 1000).toFixed(2)}s inside activities, ` +
      `${(sum((t) => t.overheadMs) / 1000).toFixed(2)}s orchestration overhead (median ${median}ms, max ${overhead.at(-1) ?? 0}ms per step); the rest is gates and people`,
  );
}
