/**
 * `drillbook schedule sync PLAN`: makes the Temporal Schedules of a plan's target match its
 * `schedules:` and `precheck:`. Each schedule it keeps carries in its action's memo which plan it
 * belongs to and fingerprints of when and what it runs, so a second sync of the same plan changes
 * nothing, an edited plan updates what changed, and an entry removed from the plan deletes its
 * schedule. Schedules made by `schedule create` are never deleted by a sync; one with the id of a
 * plan's entry (the precheck schedule) is taken over.
 */
import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import { precheckScheduleOptions } from './prechecks';
import {
  drillScheduleOptions,
  PLAN_SYNC_MEMO,
  precheckScheduleIdFor,
  scheduleIdFor,
  SCHEDULE_PREFIX,
  type PlanSyncMark,
} from './schedules';
import { scheduleWhen, type Plan } from '../domain';
import { formatDuration } from '../kinds/kit/schema/duration';

export type SyncChange = 'created' | 'updated' | 'deleted' | 'unchanged' | 'left alone';

export interface SyncOutcome {
  scheduleId: string;
  change: SyncChange;
  /** What it runs and when, or why it changed. */
  detail: string;
}

interface Desired {
  options: ScheduleOptions;
  mark: PlanSyncMark;
  /** "drill, cron 0 10 * * tue, Europe/Amsterdam". */
  summary: string;
}

/** A plan's schedule: drill-schedule-<target>.<id> (a target has no dot, so the two never mix). */
export const planScheduleId = (target: string, id: string): string => `${scheduleIdFor(target)}.${id}`;

const fingerprint = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

function marked(options: ScheduleOptions, target: string): PlanSyncMark {
  const { memo: _memo, ...action } = options.action as ScheduleOptions['action'] & { memo?: unknown };
  return { target, when: fingerprint(options.spec), what: fingerprint({ action, policies: options.policies }) };
}

/** The schedules the plan asks for, each as it would be created. */
export function desiredSchedules(
  plan: Plan,
  planYaml: string,
  context: { taskQueue: string; by: string; file: string },
): Desired[] {
  const note = `kept by schedule sync of ${context.file}`;
  const desired: Desired[] = [];
  for (const entry of plan.schedules) {
    const base = {
      target: plan.target,
      taskQueue: context.taskQueue,
      timezone: plan.timezone,
      createdBy: context.by,
      cron: entry.cron,
      cadence: entry.cadence,
      mode: entry.mode,
      planYaml,
      reason: entry.reason,
      note,
      scheduleId: planScheduleId(plan.target, entry.id),
    };
    const mark = marked(drillScheduleOptions(base), plan.target);
    desired.push({
      options: drillScheduleOptions({ ...base, planSync: mark }),
      mark,
      summary: `${entry.mode}, ${scheduleWhen(entry)}, ${plan.timezone}`,
    });
  }
  if (plan.precheck) {
    const base = {
      target: plan.target,
      taskQueue: context.taskQueue,
      everyMs: plan.precheck.every,
      createdBy: context.by,
      planYaml,
      note,
    };
    const mark = marked(precheckScheduleOptions(base), plan.target);
    desired.push({
      options: precheckScheduleOptions({ ...base, planSync: mark }),
      mark,
      summary: `readiness precheck every ${formatDuration(plan.precheck.every)}`,
    });
  }
  return desired;
}

async function describe(client: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

const markOf = (description: ScheduleDescription): PlanSyncMark | undefined => {
  const action = description.action as { memo?: Record<string, unknown> };
  return action.memo?.[PLAN_SYNC_MEMO] as PlanSyncMark | undefined;
};

/** The target's schedules a sync may have made before: its plan schedules (listed) and its precheck schedule. */
async function keptBefore(client: Client, target: string): Promise<string[]> {
  const ids = new Set<string>([precheckScheduleIdFor(target)]);
  for await (const schedule of client.schedule.list({ pageSize: 100 })) {
    if (schedule.scheduleId.startsWith(`${SCHEDULE_PREFIX}${target}.`)) ids.add(schedule.scheduleId);
  }
  return [...ids];
}

/** Makes Temporal's schedules of the plan's target match the plan; `dryRun` only says what it would do. */
export async function syncSchedules(
  client: Client,
  plan: Plan,
  desired: Desired[],
  options: { dryRun?: boolean; by: string },
): Promise<SyncOutcome[]> {
  const outcomes: SyncOutcome[] = [];
  const wanted = new Set(desired.map((d) => d.options.scheduleId));
  for (const want of desired) {
    const { scheduleId } = want.options;
    const found = await describe(client, scheduleId);
    if (!found) {
      if (!options.dryRun) await client.schedule.create(want.options);
      outcomes.push({ scheduleId, change: 'created', detail: want.summary });
      continue;
    }
    const mark = markOf(found);
    const changed = [
      mark?.when !== want.mark.when && 'when it runs',
      mark?.what !== want.mark.what && 'what it runs (mode, reason or the plan it carries)',
    ].filter(Boolean);
    if (mark?.target === plan.target && changed.length === 0) {
      outcomes.push({ scheduleId, change: 'unchanged', detail: want.summary });
      continue;
    }
    if (!options.dryRun) {
      await client.schedule.getHandle(scheduleId).update((previous) => ({
        spec: want.options.spec,
        action: want.options.action,
        policies: want.options.policies,
        // Paused stays paused (a change freeze outlives a sync); the note says who synced it.
        state: {
          paused: previous.state.paused,
          note: `${previous.state.paused ? `${previous.state.note ?? 'paused'}; ` : ''}synced by ${options.by} at ${new Date().toISOString()}`,
        },
      }));
    }
    const why = mark ? changed.join(' and ') : 'made by schedule create, now kept by the plan';
    outcomes.push({ scheduleId, change: 'updated', detail: `${want.summary} (${why})` });
  }
  for (const scheduleId of await keptBefore(client, plan.target)) {
    if (wanted.has(scheduleId)) continue;
    const found = await describe(client, scheduleId);
    if (!found) continue;
    if (markOf(found)?.target !== plan.target) {
      outcomes.push({ scheduleId, change: 'left alone', detail: 'not made by a sync of this plan' });
      continue;
    }
    if (!options.dryRun) await client.schedule.getHandle(scheduleId).delete();
    outcomes.push({ scheduleId, change: 'deleted', detail: 'no longer in the plan' });
  }
  const manual = await describe(client, scheduleIdFor(plan.target));
  if (manual && plan.schedules.length > 0)
    outcomes.push({
      scheduleId: scheduleIdFor(plan.target),
      change: 'left alone',
      detail: `made by schedule create; with the plan's schedules it starts drills too (one at a time): delete it with \`drillbook schedule delete ${plan.target}\` if the plan's replace it`,
    });
  return outcomes;
}
