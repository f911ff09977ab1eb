/**
 * `drillbook schedule sync PLAN` on the dev server, through the built CLI: the plan's `schedules:` and
 * `precheck:` become Temporal Schedules (cron and cadence in the plan's time zone, the mode, the
 * precheck's interval); a second sync changes nothing; an edited plan updates what changed (and a
 * schedule an operator paused stays paused); an entry removed from the plan deletes its schedule;
 * `--dry-run` changes nothing. No worker runs: the schedules' next runs are weeks away.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import type { ScheduledDrillInput } from '../workflows/scheduled';
import { ROOT } from './support/standinLab';
import { testClient, uniqueQueue } from './support/temporal';

const run = promisify(execFile);
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form YAML edited per case
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('schedule sync', () => {
  let client: Client;
  const queue = uniqueQueue('sync');
  const target = `sync-${queue.slice(-8)}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-sync-'));
  const file = path.join(dir, 'plan.yaml');
  const ids = {
    quarterly: `drill-schedule-${target}.quarterly`,
    yearly: `drill-schedule-${target}.yearly-failover`,
    precheck: `precheck-schedule-${target}`,
  };
  const cli = async (...args: string[]) => {
    const outcome = await run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, DRILLBOOK_TASK_QUEUE: queue, DRILLBOOK_USER: 'dave' },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    return outcome as { code?: number; stdout: string; stderr: string };
  };
  const writePlan = (edit: (plan: Doc) => void) => {
    const plan = parse(readFileSync(path.join(ROOT, 'plans', 'example-lab.yaml'), 'utf8')) as Doc;
    plan.target = target;
    plan.timezone = 'Europe/Amsterdam';
    plan.schedules = [
      { id: 'quarterly', at: '10:00', months: ['jan', 'apr', 'jul', 'oct'], weekday: 'tue', week: 1 },
      { id: 'yearly-failover', mode: 'failover', cron: '0 9 8-14 6 wed', reason: 'yearly outage drill' },
    ];
    plan.precheck = { every: '1h' };
    edit(plan);
    writeFileSync(file, stringify(plan));
  };
  const describeSchedule = (id: string): Promise<ScheduleDescription | undefined> =>
    client.schedule
      .getHandle(id)
      .describe()
      .catch((error: unknown) => {
        if (error instanceof ScheduleNotFoundError) return undefined;
        throw error;
      });
  const inputOf = (d: ScheduleDescription | undefined) =>
    (d?.action as { args?: unknown[] } | undefined)?.args?.[0] as ScheduledDrillInput;

  beforeAll(async () => {
    client = await testClient();
  });

  afterAll(async () => {
    for (const id of Object.values(ids))
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await client?.connection.close();
  });

  it("creates the plan's schedules in its time zone, with their modes and the precheck's interval", async () => {
    writePlan(() => undefined);
    const synced = await cli('schedule', 'sync', file);
    expect(synced.stderr).toBe('');
    expect(synced.stdout).toContain(
      `${ids.quarterly}: created; drill, week 1 tuesday of jan,apr,jul,oct at 10:00, Europe/Amsterdam`,
    );
    expect(synced.stdout).toContain(`${ids.yearly}: created; failover, cron "0 9 8-14 6 wed", Europe/Amsterdam`);
    expect(synced.stdout).toContain(`${ids.precheck}: created; readiness precheck every 1h`);
    expect(synced.stdout).toContain(`${target}: 3 created, 0 updated, 0 deleted, 0 unchanged`);

    const quarterly = await describeSchedule(ids.quarterly);
    expect(quarterly?.spec.timezone).toBe('Europe/Amsterdam');
    expect(quarterly?.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 10 }], dayOfWeek: [{ start: 'TUESDAY' }] });
    expect(inputOf(quarterly)).toMatchObject({ target, scheduleId: ids.quarterly, mode: 'drill' });
    expect(inputOf(quarterly).planYaml).toBe(readFileSync(file, 'utf8'));
    // The next run is 10:00 in Amsterdam: 08:00 or 09:00 UTC, whichever DST says.
    const next = quarterly?.info.nextActionTimes[0] as Date;
    expect(next.getUTCDay()).toBe(2);
    expect(next.getUTCDate()).toBeLessThanOrEqual(7);
    expect([8, 9]).toContain(next.getUTCHours());

    const yearly = await describeSchedule(ids.yearly);
    expect(inputOf(yearly)).toMatchObject({ mode: 'failover', reason: 'yearly outage drill' });
    const june = yearly?.info.nextActionTimes[0] as Date;
    expect([june.getUTCMonth(), june.getUTCDay(), june.getUTCHours()]).toEqual([5, 3, 7]);

    const precheck = await describeSchedule(ids.precheck);
    expect(precheck?.spec.intervals?.[0]).toMatchObject({ every: 3_600_000 });
    expect(precheck?.action).toMatchObject({ workflowType: 'precheckWorkflow' });
  });

  it('changes nothing when synced again', async () => {
    const synced = await cli('schedule', 'sync', file);
    expect(synced.stdout).toContain(`${target}: 0 created, 0 updated, 0 deleted, 3 unchanged`);
    for (const id of Object.values(ids)) expect(synced.stdout).toContain(`${id}: unchanged`);
  });

  it('updates what an edited plan changed, keeping a schedule an operator paused paused', async () => {
    await client.schedule.getHandle(ids.yearly).pause('change freeze');
    writePlan((plan) => {
      plan.schedules[0].at = '09:30';
      plan.precheck.every = '30m';
    });
    const dry = await cli('schedule', 'sync', file, '--dry-run');
    expect(dry.stdout).toContain(`${ids.quarterly}: would be updated`);
    expect(dry.stdout).toContain('(dry run: nothing changed)');
    expect((await describeSchedule(ids.quarterly))?.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 10 }] });

    const synced = await cli('schedule', 'sync', file);
    expect(synced.stdout).toContain(
      `${ids.quarterly}: updated; drill, week 1 tuesday of jan,apr,jul,oct at 09:30, Europe/Amsterdam (when it runs and what it runs (mode, reason or the plan it carries))`,
    );
    // The plan text changed, so the yearly schedule carries the new plan; its cron did not change.
    expect(synced.stdout).toContain(
      `${ids.yearly}: updated; failover, cron "0 9 8-14 6 wed", Europe/Amsterdam (what it runs (mode, reason or the plan it carries))`,
    );
    expect(synced.stdout).toContain(`${ids.precheck}: updated; readiness precheck every 30m`);
    const quarterly = await describeSchedule(ids.quarterly);
    expect(quarterly?.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 9 }], minute: [{ start: 30 }] });
    expect(inputOf(quarterly).planYaml).toBe(readFileSync(file, 'utf8'));
    const yearly = await describeSchedule(ids.yearly);
    expect(yearly?.state.paused).toBe(true);
    expect(yearly?.state.note).toMatch(/^change freeze; synced by dave at /);
    expect((await describeSchedule(ids.precheck))?.spec.intervals?.[0]).toMatchObject({ every: 1_800_000 });
    expect((await cli('schedule', 'sync', file)).stdout).toContain('0 updated, 0 deleted, 3 unchanged');
  });

  it('deletes the schedule of an entry removed from the plan, and the precheck schedule when precheck goes', async () => {
    // Schedule listing is eventually consistent: wait (bounded) until the list shows the schedule the sync must find.
    for (let i = 0; i < 50; i++) {
      const listed: string[] = [];
      for await (const s of client.schedule.list()) listed.push(s.scheduleId);
      if (listed.includes(ids.yearly)) break;
      await sleep(200);
    }
    writePlan((plan) => {
      plan.schedules = plan.schedules.slice(0, 1);
      delete plan.precheck;
    });
    const synced = await cli('schedule', 'sync', file);
    expect(synced.stdout).toContain(`${ids.yearly}: deleted; no longer in the plan`);
    expect(synced.stdout).toContain(`${ids.precheck}: deleted; no longer in the plan`);
    expect(synced.stdout).toContain(`${target}: 0 created, 1 updated, 2 deleted, 0 unchanged`);
    expect(await describeSchedule(ids.yearly)).toBeUndefined();
    expect(await describeSchedule(ids.precheck)).toBeUndefined();
    expect(await describeSchedule(ids.quarterly)).toBeDefined();
  });

  it('refuses a plan with a 6-field cron with exit 2, naming the schedule, and changes nothing', async () => {
    writePlan((plan) => (plan.schedules[0] = { id: 'quarterly', cron: '0 0 10 ? * TUE' }));
    const synced = await cli('schedule', 'sync', file);
    expect(synced.code).toBe(2);
    expect(synced.stderr).toMatch(/schedules\[id=quarterly\]\.cron: expected five fields/);
    // Still as the last good sync left it (10:00, the previous test's plan), not touched by the refused one.
    const quarterly = await describeSchedule(ids.quarterly);
    expect(quarterly?.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 10 }] });
  });
});
