/** `drillbook schedule create|list|describe|pause|unpause|trigger|delete`: quarterly drills per target. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { plansDir, temporalSettings } from '../../store/config';
import { findPlanFile, loadPlanFile } from '../../plan/load';
import {
  createDrillSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  parseCadence,
  pauseSchedule,
  precheckScheduleIdFor,
  scheduleIdFor,
  triggerSchedule,
  unpauseSchedule,
} from '../schedules';
import { createPrecheckSchedule } from '../prechecks';
import { desiredSchedules, syncSchedules } from '../scheduleSync';
import { isTimeZone } from '../../plan/schema';
import { cronProblem } from '../../domain';
import { parseDuration } from '../../kinds/kit/schema/duration';
import { withClient } from '../temporal/connect';
import { UsageError } from './errors';
import { parseMode } from './plan';

const me = (): string => process.env.DRILLBOOK_USER ?? os.userInfo().username;

const inZone = (date: Date, timeZone: string): string =>
  `${new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(date)} ${timeZone}`;

interface CreateOptions {
  by: string;
  mode: string;
  at?: string;
  months?: string;
  weekday?: string;
  week?: string;
  cron?: string;
  timezone?: string;
  reason?: string;
  note?: string;
  paused?: boolean;
  replace?: boolean;
  precheck?: boolean;
  every: string;
}

async function createPrecheckScheduleCommand(planOrTarget: string, options: CreateOptions): Promise<void> {
  const everyMs = parseDuration(options.every);
  if (everyMs === undefined || everyMs < 60_000)
    throw new UsageError(`--every must be a duration of at least 1m, such as 30m or 1h; got "${options.every}"`);
  const plan = await resolvePlan(planOrTarget);
  await withClient(async (client) => {
    if (options.replace) await deleteSchedule(client, precheckScheduleIdFor(plan.target)).catch(() => undefined);
    await createPrecheckSchedule(client, {
      target: plan.target,
      taskQueue: temporalSettings().taskQueue,
      everyMs,
      createdBy: options.by,
      planYaml: plan.planYaml,
      note: options.note,
    });
    console.log(
      `${precheckScheduleIdFor(plan.target)}: a readiness precheck of ${plan.target} every ${options.every}; drifts are posted once, and again when they clear`,
    );
  });
}

/** A plan file travels with the schedule (as with `start`); a target is loaded by the workers at each run. */
export async function resolvePlan(
  planOrTarget: string,
): Promise<{ target: string; timezone?: string; planYaml?: string }> {
  if (existsSync(planOrTarget)) {
    const plan = await loadPlanFile(planOrTarget);
    return { target: plan.target, timezone: plan.timezone, planYaml: await readFile(planOrTarget, 'utf8') };
  }
  const local = await findPlanFile(plansDir(), planOrTarget);
  if (local) return { target: planOrTarget, timezone: (await loadPlanFile(local)).timezone };
  if (!/^[a-z0-9][a-z0-9-]*$/.test(planOrTarget))
    throw new UsageError(`${planOrTarget} is neither a plan file nor a target name`);
  return { target: planOrTarget };
}

export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description(
      "schedule drills: quarterly by default, first Tuesday of Jan/Apr/Jul/Oct at 10:00 in the plan's time zone",
    );

  schedule
    .command('create')
    .description('create the schedule of a target; each run starts a drill that waits at its first gate for a person')
    .argument('<planOrTarget>', 'a plan file, or a target the workers have a plan for')
    .option('--by <user>', 'who creates the schedule (kept in its note)', me())
    .option('--mode <mode>', 'drill, failover or failback', 'drill')
    .option('--at <HH:MM>', 'time of day in the time zone', '10:00')
    .option('--months <list>', 'months, e.g. jan,apr,jul,oct', 'jan,apr,jul,oct')
    .option('--weekday <day>', 'day of the week', 'tue')
    .option('--week <n>', 'which such weekday of the month (1-4)', '1')
    .option('--cron <expr>', 'any cron expression instead of the options above')
    .option('--timezone <zone>', "IANA time zone (default: the plan's)")
    .option('--reason <text>', 'the reason each scheduled drill records')
    .option('--note <text>', "added to the schedule's note")
    .option('--paused', 'create it paused')
    .option('--replace', 'replace an existing schedule of the target')
    .option('--precheck', 'schedule readiness prechecks instead of drills (with --every)')
    .option('--every <duration>', 'with --precheck: how often, e.g. 1h or 30m', '1h')
    .action(async (planOrTarget: string, options: CreateOptions) => {
      if (options.precheck) return createPrecheckScheduleCommand(planOrTarget, options);
      const mode = parseMode(options.mode);
      // Said before anything connects: a server refuses a bad cron or zone only after the connection is up.
      const cronWrong = options.cron === undefined ? undefined : cronProblem(options.cron);
      if (cronWrong) throw new UsageError(`--cron: ${cronWrong}`);
      if (options.timezone !== undefined && !isTimeZone(options.timezone))
        throw new UsageError(
          `--timezone: expected an IANA time zone such as Europe/Amsterdam, got "${options.timezone}"`,
        );
      let cadence;
      try {
        cadence = parseCadence(options);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const plan = await resolvePlan(planOrTarget);
      const timezone = options.timezone ?? plan.timezone ?? 'UTC';
      await withClient(async (client) => {
        if (options.replace) await deleteSchedule(client, plan.target).catch(() => undefined);
        await createDrillSchedule(client, {
          target: plan.target,
          taskQueue: temporalSettings().taskQueue,
          timezone,
          createdBy: options.by,
          cadence,
          cron: options.cron,
          mode,
          planYaml: plan.planYaml,
          reason: options.reason,
          note: options.note,
          paused: options.paused,
        });
        const description = await describeSchedule(client, plan.target);
        console.log(scheduleIdFor(plan.target));
        for (const next of description.info.nextActionTimes.slice(0, 3))
          console.log(`  next: ${inZone(next, timezone)}`);
        if (plan.planYaml)
          console.log('  the plan file is stored in the schedule: run this again with --replace after changing it');
      });
    });

  schedule
    .command('sync')
    .description(
      "make the target's Temporal Schedules match the plan's schedules: and precheck: (creates, updates, deletes; prints what it changed)",
    )
    .argument('<plan>', 'the plan file (YAML); it travels with each schedule')
    .option('--by <user>', 'who syncs (kept in the notes)', me())
    .option('--dry-run', 'say what would change, change nothing')
    .action(async (file: string, options: { by: string; dryRun?: boolean }) => {
      const plan = await loadPlanFile(file);
      const planYaml = await readFile(file, 'utf8');
      const desired = desiredSchedules(plan, planYaml, {
        taskQueue: temporalSettings().taskQueue,
        by: options.by,
        file,
      });
      const outcomes = await withClient((client) => syncSchedules(client, plan, desired, options));
      for (const outcome of outcomes)
        console.log(
          `${outcome.scheduleId}: ${options.dryRun ? `would be ${outcome.change}` : outcome.change}; ${outcome.detail}`,
        );
      const count = (change: string) => outcomes.filter((o) => o.change === change).length;
      console.log(
        `${plan.target}: ${count('created')} created, ${count('updated')} updated, ${count('deleted')} deleted, ${count('unchanged')} unchanged${options.dryRun ? ' (dry run: nothing changed)' : ''}`,
      );
    });

  schedule
    .command('list')
    .description('list drill schedules')
    .action(async () => {
      const schedules = await withClient((client) => listSchedules(client));
      if (schedules.length === 0) console.log('no drill schedules');
      for (const s of schedules)
        console.log(
          [
            s.scheduleId.padEnd(36),
            (s.paused ? 'paused' : 'active').padEnd(7),
            s.next ? s.next.toISOString() : '-'.padEnd(24),
            s.note ?? '',
          ].join(' '),
        );
    });

  schedule
    .command('describe')
    .description('show a schedule: when, the time zone, its note, next and recent runs')
    .argument('<id>', 'schedule id (drill-schedule-<target>) or target')
    .option('--json', 'print the description as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const d = await withClient((client) => describeSchedule(client, id));
      if (options.json) return console.log(JSON.stringify(d, null, 2));
      const zone = d.spec.timezone ?? 'UTC';
      // The server keeps cron expressions as calendars too, so calendars describe every schedule.
      const when = (d.spec.calendars ?? []).map(
        (c) =>
          `${c.comment ? `${c.comment}, ` : ''}months ${c.month.map((m) => m.start).join(',')}, days ${c.dayOfMonth.map((r) => `${r.start}-${r.end}`).join(',')}, ${c.dayOfWeek.map((r) => r.start).join(',')} at ${c.hour.map((r) => r.start).join(',')}:${String(c.minute[0]?.start ?? 0).padStart(2, '0')}`,
      );
      console.log(`${d.scheduleId}: ${d.state.paused ? 'PAUSED' : 'active'}, time zone ${zone}`);
      console.log(`  when: ${when.join('; ') || JSON.stringify(d.spec)}`);
      console.log(`  note: ${d.state.note ?? ''}`);
      console.log(`  created by: ${String(d.memo?.createdBy ?? '?')}, overlap ${d.policies.overlap}`);
      for (const next of d.info.nextActionTimes.slice(0, 4)) console.log(`  next: ${inZone(next, zone)}`);
      for (const run of d.info.recentActions)
        console.log(`  ran: ${run.takenAt.toISOString()} ${run.action.workflow.workflowId}`);
    });

  const simple: [string, string, (client: Client, id: string, note: string) => Promise<void>][] = [
    ['pause', 'pause a schedule (no drills start until unpaused)', pauseSchedule],
    ['unpause', 'resume a paused schedule', unpauseSchedule],
    [
      'trigger',
      'run the schedule now: starts a drill that waits at its first gate',
      (client, id) => triggerSchedule(client, id),
    ],
    ['delete', 'delete a schedule (running drills go on)', (client, id) => deleteSchedule(client, id)],
  ];
  for (const [name, description, act] of simple) {
    schedule
      .command(name)
      .description(description)
      .argument('<id>', 'schedule id or target')
      .option('--by <user>', 'who does it (kept in the note)', me())
      .option('--note <text>', 'why')
      .action(async (id: string, options: { by: string; note?: string }) => {
        await withClient((client) =>
          act(
            client,
            id,
            `${name}d by ${options.by} at ${new Date().toISOString()}${options.note ? `: ${options.note}` : ''}`,
          ),
        );
        console.log(`${name}: done`);
      });
  }
}
