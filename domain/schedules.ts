/**
 * When a plan's drills and readiness prechecks run, as the plan says it (`schedules:`, `precheck:`)
 * and as `schedule create` says it on the command line: the cadence words, the five-field cron
 * Drillbook takes, and what is wrong with one, known before anything connects to Temporal.
 */
import type { DrillMode } from './phases';

export const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;
export type MonthName = (typeof MONTHS)[number];
export const WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
export type WeekdayName = (typeof WEEKDAYS)[number];

export interface Cadence {
  /** Months the drill runs in; quarterly by default. */
  months: MonthName[];
  weekday: WeekdayName;
  /** The nth such weekday of the month (1-4). */
  week: number;
  hour: number;
  minute: number;
}

export const QUARTERLY: Cadence = {
  months: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'],
  weekday: 'TUESDAY',
  week: 1,
  hour: 10,
  minute: 0,
};

/** The cadence words (`schedule create --months/--weekday/--week/--at`, a plan schedule's fields). */
export interface CadenceWords {
  months?: string;
  weekday?: string;
  week?: string;
  at?: string;
}

/** Reads the cadence words ("jan,apr,jul,oct", "tue", "10:00") over the quarterly default; throws a sentence naming the option. */
export function parseCadence(options: CadenceWords): Cadence {
  const cadence: Cadence = { ...QUARTERLY };
  const named = <T extends string>(names: readonly T[], word: string): T | undefined => {
    const text = word.trim().toUpperCase();
    return text.length >= 3 ? names.find((name) => name.startsWith(text.slice(0, 3))) : undefined;
  };
  if (options.months) {
    cadence.months = options.months.split(',').map((m) => {
      const found = named(MONTHS, m);
      if (!found) throw new Error(`--months: "${m}" is not a month (use jan,apr,jul,oct)`);
      return found;
    });
  }
  if (options.weekday) {
    const found = named(WEEKDAYS, options.weekday);
    if (!found) throw new Error(`--weekday: "${options.weekday}" is not a day of the week`);
    cadence.weekday = found;
  }
  if (options.week) {
    cadence.week = Number(options.week);
    if (!Number.isInteger(cadence.week) || cadence.week < 1 || cadence.week > 4)
      throw new Error('--week: expected 1, 2, 3 or 4');
  }
  if (options.at) {
    const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(options.at);
    if (!match) throw new Error(`--at: expected HH:MM, got "${options.at}"`);
    cadence.hour = Number(match[1]);
    cadence.minute = Number(match[2]);
  }
  return cadence;
}

const CRON_FIELDS: { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS },
];
const CRON_SHORTHANDS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
export const CRON_FORM =
  'five fields, minute hour day-of-month month day-of-week, in the time zone given beside it (such as "0 10 1-7 1,4,7,10 tue": 10:00 on the first Tuesday of each quarter, every field must match)';

/** What is wrong with a cron expression for a drill's schedule, or undefined when Temporal will take it as meant. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (CRON_SHORTHANDS.includes(text.toLowerCase())) return undefined;
  if (/^CRON_TZ=|^TZ=/i.test(text))
    return "the time zone is not written in the cron: it is the plan's timezone (or schedule create --timezone)";
  if (text.startsWith('@')) return `"${text}" is not one of ${CRON_SHORTHANDS.join(', ')}; expected ${CRON_FORM}`;
  const fields = text.split(/\s+/);
  if (fields.length !== 5) {
    const hint =
      fields.length === 6 || fields.length === 7
        ? ' (a seconds field first, as Quartz and Spring write it, or a year last, are not taken: Temporal would read them differently)'
        : '';
    return `expected ${CRON_FORM}; got ${fields.length} field${fields.length === 1 ? '' : 's'} in "${text}"${hint}`;
  }
  for (const [index, field] of fields.entries()) {
    const spec = CRON_FIELDS[index];
    // ?, # and a bare L or W (last, weekday: 5L, 15W, LW) are Quartz's; sat, wed and jul are names.
    if (/[?#]/.test(field) || /(^|[^a-z])(L|W|LW)($|[^a-z])/i.test(field.replace(/\d(?=[LW])/gi, ' ')))
      return `the ${spec.name} field "${field}" uses Quartz syntax (?, L, W, #), which Temporal does not take: for "the first Tuesday" write days 1-7 and the weekday, "0 10 1-7 * tue"`;
    for (const part of field.split(',')) {
      const problem = cronPartProblem(part, spec);
      if (problem) return `the ${spec.name} field "${field}": ${problem}; expected ${CRON_FORM}`;
    }
  }
  return undefined;
}

function cronPartProblem(part: string, spec: (typeof CRON_FIELDS)[number]): string | undefined {
  const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(part);
  if (!match) return `"${part}" is not a value, a range a-b, * or a step /n`;
  if (match[2] !== undefined && Number(match[2]) < 1) return `a step of ${match[2]} never advances`;
  if (match[1] === '*') return undefined;
  for (const value of match[1].split('-')) {
    const index = spec.names?.findIndex((name) => name.startsWith(value.toUpperCase()) && value.length === 3) ?? -1;
    if (index >= 0) continue;
    const number = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isNaN(number) || number < spec.min || number > spec.max)
      return `"${value}" is not from ${spec.min} to ${spec.max}${spec.names ? ' or a name such as ' + spec.names[0].slice(0, 3).toLowerCase() : ''}`;
  }
  return undefined;
}

/** A drill schedule a plan keeps with itself (`schedules:`): `drillbook schedule sync PLAN` makes Temporal's match. */
export interface PlanSchedule {
  /** Names the schedule: drill-schedule-<target>.<id>. */
  id: string;
  mode: DrillMode;
  /** A five-field cron in the plan's time zone; absent: `cadence`. */
  cron?: string;
  cadence?: Cadence;
  /** The reason each scheduled drill records. */
  reason?: string;
}

/** Readiness prechecks on a schedule (`precheck: { every: 1h }`): precheck-schedule-<target>. */
export interface PlanPrecheck {
  every: number;
}

/** When a plan's schedule runs, as `plan show` and `schedule sync` say it: `cron "0 9 8-14 6 wed"`, `week 1 tuesday of jan,apr,jul,oct at 10:00`. */
export function scheduleWhen(schedule: Pick<PlanSchedule, 'cron' | 'cadence'>): string {
  if (schedule.cron) return `cron "${schedule.cron}"`;
  const cadence = schedule.cadence ?? QUARTERLY;
  const months = cadence.months.map((m) => m.slice(0, 3).toLowerCase()).join(',');
  const time = `${String(cadence.hour).padStart(2, '0')}:${String(cadence.minute).padStart(2, '0')}`;
  return `week ${cadence.week} ${cadence.weekday.toLowerCase()} of ${months} at ${time}`;
}
