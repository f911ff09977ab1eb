/**
 * The plan's own cadence: `schedules:` (when its drills run, each a Temporal Schedule named
 * drill-schedule-<target>.<id>) and `precheck:` (how often a readiness precheck runs). Kept beside
 * the rest of the plan so the cadence is versioned with it; `drillbook schedule sync PLAN` makes
 * Temporal's schedules match. Everything here is checked at `plan check`, before anything connects.
 */
import { z } from 'zod';
import { durationAtLeast, identifier } from '../kinds/kit/schema/fields';
import {
  cronProblem,
  DRILL_MODES,
  parseCadence,
  type DrillMode,
  type PlanPrecheck,
  type PlanSchedule,
} from '../domain';

const CADENCE_WORDS = ['at', 'months', 'weekday', 'week'] as const;

const entry = z
  .strictObject({
    /** Names the schedule: drill-schedule-<target>.<id>. */
    id: identifier,
    mode: z
      .enum(DRILL_MODES as readonly [DrillMode, ...DrillMode[]], {
        error: `expected one of ${DRILL_MODES.join(', ')}`,
      })
      .default('drill'),
    /** Five fields in the plan's time zone; or the cadence words below (quarterly when neither is given). */
    cron: z.string().optional(),
    at: z.string().optional(),
    months: z.array(z.string()).min(1).optional(),
    weekday: z.string().optional(),
    week: z.number().int().optional(),
    reason: z.string().min(1).optional(),
  })
  .transform((value, ctx): PlanSchedule => {
    const words = CADENCE_WORDS.filter((word) => value[word] !== undefined);
    const base = { id: value.id, mode: value.mode, ...(value.reason ? { reason: value.reason } : {}) };
    if (value.cron !== undefined) {
      if (words.length)
        ctx.addIssue({
          code: 'custom',
          path: [words[0]],
          message: `a schedule is either a cron or the cadence words (at, months, weekday, week), not both: drop ${words.join(', ')} or cron`,
        });
      const problem = cronProblem(value.cron);
      if (problem) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
      return { ...base, cron: value.cron.trim() };
    }
    try {
      const cadence = parseCadence({
        at: value.at,
        months: value.months?.join(','),
        weekday: value.weekday,
        week: value.week === undefined ? undefined : String(value.week),
      });
      return { ...base, cadence };
    } catch (error) {
      // parseCadence names the CLI's option (--months: …); here the path names the field.
      const [, field = 'at', said = (error as Error).message] = /^--(\w+): (.*)$/.exec((error as Error).message) ?? [];
      ctx.addIssue({ code: 'custom', path: [field], message: said });
      return z.NEVER;
    }
  });

export const schedulesBlock = z.array(entry).superRefine((entries, ctx) => {
  const seen = new Set<string>();
  entries.forEach((schedule, index) => {
    if (seen.has(schedule.id))
      ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `schedule id "${schedule.id}" is used twice` });
    seen.add(schedule.id);
  });
});

export const precheckBlock = z.strictObject({
  /** How often: at least a minute (a precheck asks every check of both sites). */
  every: durationAtLeast(
    60_000,
    'a precheck asks every check of both sites; more often than once a minute is load, not readiness',
  ),
}) satisfies z.ZodType<PlanPrecheck>;
