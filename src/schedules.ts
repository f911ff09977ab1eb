/**
 * Drill schedules: one Temporal Schedule per target, quarterly by default (first Tuesday of
 * January, April, July and October at 10:00 in the plan's time zone). Each run starts
 * scheduledDrillWorkflow, which starts the drill under its fixed id; the drill then waits for people.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type CalendarSpec,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptions,
} from '@temporalio/client';
import { DrillRefused } from './drills';
import type { ScheduledDrillInput } from '../workflows/scheduled';
import { QUARTERLY, type Cadence, type DrillMode } from '../domain';

export { parseCadence, QUARTERLY, type Cadence } from '../domain';

export const SCHEDULE_PREFIX = 'drill-schedule-';
export const scheduleIdFor = (target: string): string => `${SCHEDULE_PREFIX}${target}`;
/** Accepts `drill-schedule-<target>` or just the target. */
/** Readiness prechecks of a target on a schedule: precheck-schedule-<target>. */
export const PRECHECK_SCHEDULE_PREFIX = 'precheck-schedule-';
export const precheckScheduleIdFor = (target: string): string => `${PRECHECK_SCHEDULE_PREFIX}${target}`;
export const toScheduleId = (idOrTarget: string): string =>
  idOrTarget.startsWith(SCHEDULE_PREFIX) || idOrTarget.startsWith(PRECHECK_SCHEDULE_PREFIX)
    ? idOrTarget
    : scheduleIdFor(idOrTarget);

/** Every field of a calendar must match, so "days 1-7 and a Tuesday" is the first Tuesday. */
export function calendarOf(cadence: Cadence): CalendarSpec {
  const first = (cadence.week - 1) * 7 + 1;
  return {
    month: cadence.months,
    dayOfMonth: { start: first, end: first + 6 },
    dayOfWeek: cadence.weekday,
    hour: cadence.hour,
    minute: cadence.minute,
    comment: `week ${cadence.week}, ${cadence.weekday.toLowerCase()} ${String(cadence.hour).padStart(2, '0')}:${String(cadence.minute).padStart(2, '0')}`,
  };
}

export interface CreateScheduleOptions {
  target: string;
  taskQueue: string;
  timezone: string;
  createdBy: string;
  cadence?: Cadence;
  /** Instead of the cadence, a five-field cron (domain/schedules.ts cronProblem checks it first). */
  cron?: string;
  mode?: DrillMode;
  planYaml?: string;
  reason?: string;
  paused?: boolean;
  note?: string;
  /** drill-schedule-<target> unless given (a plan's schedules: drill-schedule-<target>.<id>). */
  scheduleId?: string;
  /** Set on schedules a plan keeps (schedule sync): which plan, and fingerprints of when and what they run. */
  planSync?: PlanSyncMark;
}

/** What `schedule sync` writes into a schedule it keeps: in the action's memo, which an update can change. */
export interface PlanSyncMark {
  target: string;
  /** Fingerprints of the spec (when it runs) and of the action and policies (what it runs). */
  when: string;
  what: string;
}

export const PLAN_SYNC_MEMO = 'drillbookPlanSync';

/** Everything a drill schedule is, for a create and, without scheduleId and memo, for an update. */
export function drillScheduleOptions(options: CreateScheduleOptions): ScheduleOptions {
  const scheduleId = options.scheduleId ?? scheduleIdFor(options.target);
  const input: ScheduledDrillInput = {
    target: options.target,
    scheduleId,
    mode: options.mode,
    planYaml: options.planYaml,
    reason: options.reason ?? `scheduled DR ${options.mode ?? 'drill'} (${scheduleId})`,
  };
  const note = `created by ${options.createdBy} at ${new Date().toISOString()}${options.note ? `: ${options.note}` : ''}`;
  return {
    scheduleId,
    spec: {
      ...(options.cron
        ? { cronExpressions: [options.cron] }
        : { calendars: [calendarOf(options.cadence ?? QUARTERLY)] }),
      timezone: options.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledDrillWorkflow',
      workflowId: `${scheduleId}-run`,
      taskQueue: options.taskQueue,
      args: [input],
      staticSummary: `scheduled ${options.mode ?? 'drill'} of ${options.target}`,
      ...(options.planSync ? { memo: { [PLAN_SYNC_MEMO]: options.planSync } } : {}),
    },
    // A drill lasts hours; a run of this schedule only starts it, so overlapping runs are skipped, and a
    // server down at the scheduled time still starts the drill within a day, not weeks later.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day', pauseOnFailure: false },
    state: { paused: options.paused ?? false, note },
    memo: { target: options.target, createdBy: options.createdBy, mode: options.mode ?? 'drill' },
  };
}

export async function createDrillSchedule(client: Client, options: CreateScheduleOptions): Promise<ScheduleHandle> {
  const scheduleOptions = drillScheduleOptions(options);
  try {
    return await client.schedule.create(scheduleOptions);
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning)
      throw new DrillRefused(
        `${options.target} already has a schedule (${scheduleOptions.scheduleId}); delete it first or use --replace`,
      );
    throw error;
  }
}

async function existing(
  client: Client,
  idOrTarget: string,
): Promise<{ handle: ScheduleHandle; description: ScheduleDescription }> {
  const handle = client.schedule.getHandle(toScheduleId(idOrTarget));
  try {
    return { handle, description: await handle.describe() };
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new DrillRefused(`no schedule ${handle.scheduleId}`);
    throw error;
  }
}

export const describeSchedule = async (client: Client, id: string): Promise<ScheduleDescription> =>
  (await existing(client, id)).description;
export const pauseSchedule = async (client: Client, id: string, note: string): Promise<void> =>
  (await existing(client, id)).handle.pause(note);
export const unpauseSchedule = async (client: Client, id: string, note: string): Promise<void> =>
  (await existing(client, id)).handle.unpause(note);
export const triggerSchedule = async (client: Client, id: string): Promise<void> =>
  (await existing(client, id)).handle.trigger();
export const deleteSchedule = async (client: Client, id: string): Promise<void> =>
  (await existing(client, id)).handle.delete();

export interface ScheduleListing {
  scheduleId: string;
  target?: string;
  paused: boolean;
  note?: string;
  next?: Date;
}

export async function listSchedules(client: Client, limit = 100): Promise<ScheduleListing[]> {
  const listings: ScheduleListing[] = [];
  for await (const schedule of client.schedule.list({ pageSize: 100 })) {
    if (!schedule.scheduleId.startsWith(SCHEDULE_PREFIX) && !schedule.scheduleId.startsWith(PRECHECK_SCHEDULE_PREFIX))
      continue;
    listings.push({
      scheduleId: schedule.scheduleId,
      target: schedule.memo?.target as string | undefined,
      paused: schedule.state.paused,
      note: schedule.state.note,
      next: schedule.info.nextActionTimes[0],
    });
    if (listings.length >= limit) break;
  }
  return listings.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}
