/**
 * Quarterly drill schedules on the dev server: created from a plan in its time zone, listed,
 * paused, triggered (the drill waits at its first gate, under its usual id), refused politely when
 * a drill of the target already runs, and deleted.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { readAudit } from '../store/auditTrail';
import { DrillRefused, startDrill } from '../src/drills';
import { describeSchedule, parseCadence, scheduleIdFor } from '../src/schedules';
import type { ScheduledDrillResult } from '../workflows/scheduled';
import { DrillTarget } from '../workflows/searchAttributes';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill, waitForRecord } from './support/operators';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the cadence words of `schedule create`', () => {
  it('reads months, weekday, week and time, and names mistakes', () => {
    expect(parseCadence({})).toEqual({
      months: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'],
      weekday: 'TUESDAY',
      week: 1,
      hour: 10,
      minute: 0,
    });
    expect(parseCadence({ months: 'mar,Sep', weekday: 'thursday', week: '2', at: '09:30' })).toEqual({
      months: ['MARCH', 'SEPTEMBER'],
      weekday: 'THURSDAY',
      week: 2,
      hour: 9,
      minute: 30,
    });
    expect(() => parseCadence({ months: 'jan,foo' })).toThrow(/"foo" is not a month/);
    expect(() => parseCadence({ at: '25:00' })).toThrow(/HH:MM/);
    expect(() => parseCadence({ week: '5' })).toThrow(/1, 2, 3 or 4/);
  });
});

describe('drill schedules', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  let planFile: string;
  const queue = uniqueQueue('schedule');
  const zone = 'Europe/Amsterdam';
  const cli = (...args: string[]) =>
    run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, DRILLBOOK_TASK_QUEUE: queue },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
    lab = await createStandinLab('schedule-lab', (plan) => {
      plan.timezone = zone;
    });
    lab.appctl('start', 'primary');
    planFile = path.join(lab.dir, 'schedule-lab.yaml');
    writeFileSync(planFile, lab.planYaml);
  });

  afterAll(async () => {
    await cli('schedule', 'delete', 'schedule-lab');
    await client.workflow
      .getHandle('drill-schedule-lab')
      .terminate('test cleanup')
      .catch(() => undefined);
    lab?.stopAll();
    await worker?.stop();
    await client?.connection.close();
  });

  it("creates a quarterly schedule in the plan's time zone, triggers a drill that waits for people, and deletes it", async () => {
    const created = await cli('schedule', 'create', planFile, '--by', 'dana', '--note', 'DR policy 4.2');
    expect(created).toMatchObject({ stdout: expect.stringMatching(/^drill-schedule-schedule-lab\n {2}next: Tue/) });

    // First Tuesday of January, April, July and October at 10:00 in Amsterdam, whatever the offset that day.
    const description = await describeSchedule(client, 'schedule-lab');
    expect(description.spec.timezone).toBe(zone);
    expect(description.policies.overlap).toBe('SKIP');
    expect(description.state.note).toMatch(/^created by dana at .*: DR policy 4\.2$/);
    expect(description.info.nextActionTimes.length).toBeGreaterThanOrEqual(4);
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: 'short',
      day: 'numeric',
      month: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    for (const next of description.info.nextActionTimes.slice(0, 4)) {
      const parts = Object.fromEntries(local.formatToParts(next).map((p) => [p.type, p.value]));
      expect({
        weekday: parts.weekday,
        firstWeek: Number(parts.day) <= 7,
        quarterMonth: [1, 4, 7, 10].includes(Number(parts.month)),
        time: `${parts.hour}:${parts.minute}`,
      }).toEqual({ weekday: 'Tue', firstWeek: true, quarterMonth: true, time: '10:00' });
    }

    expect(await cli('schedule', 'create', planFile, '--by', 'dana')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('already has a schedule'),
    });
    expect((await cli('schedule', 'list')).stdout).toMatch(/drill-schedule-schedule-lab\s+active/);

    await cli('schedule', 'pause', 'schedule-lab', '--by', 'dana', '--note', 'change freeze');
    expect(await describeSchedule(client, 'schedule-lab')).toMatchObject({
      state: { paused: true, note: expect.stringMatching(/^paused by dana at .*: change freeze$/) },
    });
    await cli('schedule', 'unpause', 'schedule-lab', '--by', 'dana');
    expect((await describeSchedule(client, 'schedule-lab')).state.paused).toBe(false);

    // A run now: the drill starts under its usual id and stops at its first gate, a manual task.
    expect(await cli('schedule', 'trigger', 'schedule-lab')).toMatchObject({ stdout: 'trigger: done\n' });
    const drill = await waitForRecord(client, 'drill-schedule-lab', (r) => r.pending !== null, 60_000);
    expect(drill).toMatchObject({
      requestedBy: `schedule:${scheduleIdFor('schedule-lab')}`,
      status: 'awaiting-task',
      pending: { kind: 'task', id: 'preparation.confirm-backups' },
    });
    expect(drill.steps.filter((s) => s.destructive).every((s) => s.status === 'pending')).toBe(true);
    const describedDrill = await client.workflow.getHandle('drill-schedule-lab').describe();
    expect(describedDrill.typedSearchAttributes.get(DrillTarget)).toBe('schedule-lab');

    // Another run while it waits: the scheduled run ends with a note, and a person cannot start a second one either.
    await cli('schedule', 'trigger', 'schedule-lab');
    let recent = (await describeSchedule(client, 'schedule-lab')).info.recentActions;
    for (let i = 0; i < 100 && recent.length < 2; i++) {
      await sleep(200);
      recent = (await describeSchedule(client, 'schedule-lab')).info.recentActions;
    }
    expect(recent).toHaveLength(2);
    const first = (await client.workflow
      .getHandle(recent[0].action.workflow.workflowId)
      .result()) as ScheduledDrillResult;
    const second = (await client.workflow
      .getHandle(recent[1].action.workflow.workflowId)
      .result()) as ScheduledDrillResult;
    expect(first).toMatchObject({ started: true, drillWorkflowId: 'drill-schedule-lab' });
    expect(second).toMatchObject({ started: false, note: expect.stringContaining('is already running') });
    await expect(
      startDrill(client, queue, { target: 'schedule-lab', requestedBy: 'erin', planYaml: lab.planYaml }),
    ).rejects.toThrow(DrillRefused);
    // Both second starts are in the target's audit trail: the schedule's and the person's.
    expect((await readAudit(process.env.DRILLBOOK_AUDIT_DIR as string, 'schedule-lab')).entries).toEqual([
      expect.objectContaining({
        kind: 'duplicate-start',
        by: `schedule:${scheduleIdFor('schedule-lab')}`,
        via: 'schedule',
        workflowId: 'drill-schedule-lab',
      }),
      expect.objectContaining({ kind: 'duplicate-start', by: 'erin', via: 'cli', workflowId: 'drill-schedule-lab' }),
    ]);
    const described = await cli('schedule', 'describe', 'schedule-lab');
    expect(described.stdout).toContain('created by: dana, overlap SKIP');
    expect(described.stdout).toMatch(/ran: .* drill-schedule-schedule-lab-run/);

    expect(await cli('schedule', 'delete', 'schedule-lab')).toMatchObject({ stdout: 'delete: done\n' });
    expect(await cli('schedule', 'describe', 'schedule-lab')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no schedule drill-schedule-schedule-lab'),
    });
    // The drill the schedule started outlives the schedule and still waits, then runs to the end with people.
    expect((await waitForRecord(client, 'drill-schedule-lab', () => true)).status).toBe('awaiting-task');
    const finished = await driveDrill(client, 'drill-schedule-lab', {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
    });
    expect(finished.status).toBe('succeeded');
    await recordHistoryIfAsked(client, recent[0].action.workflow.workflowId, 'scheduled-drill-start');
    await recordHistoryIfAsked(client, 'drill-schedule-lab', 'scheduled-drill');
  });

  it('takes a cron expression and another cadence instead of the quarterly default', async () => {
    const created = await cli(
      'schedule',
      'create',
      'schedule-lab-2',
      '--by',
      'dana',
      '--timezone',
      'UTC',
      '--months',
      'mar,sep',
      '--weekday',
      'thu',
      '--week',
      '2',
      '--at',
      '09:30',
      '--paused',
    );
    expect(created).toMatchObject({ stdout: expect.stringContaining('drill-schedule-schedule-lab-2') });
    const d = await describeSchedule(client, 'schedule-lab-2');
    for (const next of d.info.nextActionTimes.slice(0, 2)) {
      expect([2, 8]).toContain(next.getUTCMonth());
      expect(next.getUTCDay()).toBe(4);
      expect(next.getUTCDate()).toBeGreaterThanOrEqual(8);
      expect(next.getUTCDate()).toBeLessThanOrEqual(14);
      expect(`${next.getUTCHours()}:${next.getUTCMinutes()}`).toBe('9:30');
    }
    expect(d.state.paused).toBe(true);
    await cli(
      'schedule',
      'create',
      'schedule-lab-2',
      '--by',
      'dana',
      '--timezone',
      'UTC',
      '--cron',
      '0 6 1 */2 *',
      '--replace',
      '--paused',
    );
    const cron = await describeSchedule(client, 'schedule-lab-2');
    expect(cron.info.nextActionTimes[0].getUTCDate()).toBe(1);
    expect(cron.info.nextActionTimes[0].getUTCHours()).toBe(6);
    await cli('schedule', 'delete', 'schedule-lab-2');
  });
});
