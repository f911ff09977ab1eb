/**
 * Gates nobody answers, at the plan's real durations: reminders every `reminderAfter`, then the gate
 * times out at `approvals.timeout` and the drill ends `timed-out` with nothing of what it guarded run.
 * Hours of drill time pass in seconds on Temporal's time-skipping test server (test/support/timeSkipping.ts),
 * running the real drill workflow bundle, the real activities against the stand-in lab, and a
 * notifier that keeps what the drill told people (in place of Slack, which test/slack.test.ts covers).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Notifier } from '../activities/notify';
import { startDrill } from '../src/drills';
import { createDrillWorker } from '../src/worker';
import { DrillOutcome } from '../workflows/searchAttributes';
import type { DrillEvent, DrillRecord } from '../domain';
import { driveDrill, waitForPending } from './support/operators';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { createTimeSkippingEnv } from './support/timeSkipping';
import { uniqueQueue } from './support/temporal';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Virtual time a gate's timer may run late by: the activities between timers take real milliseconds. */
const SLACK_MS = MINUTE;

type Reminder = Extract<DrillEvent, { type: 'gate-reminder' }>;

describe('gates nobody answers, on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const told: DrillEvent[] = [];
  const labs: StandinLab[] = [];
  const queue = uniqueQueue('gate-timing');

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    client = env.client;
    const keep: Notifier = async (event) => {
      told.push(event);
      return undefined;
    };
    worker = await createDrillWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: queue,
      deps: { notifiers: [keep], reportsDir: mkdtempSync(path.join(os.tmpdir(), 'drillbook-gate-timing-reports-')) },
    });
    running = worker.run();
  });

  afterAll(async () => {
    for (const lab of labs) lab.stopAll();
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await env?.teardown();
  });

  async function lab(
    target: string,
    timing: { reminderAfter: string; timeout: string },
    primaryUp = true,
  ): Promise<StandinLab> {
    const created = await createStandinLab(target, (plan) => Object.assign(plan.approvals, timing));
    labs.push(created);
    if (primaryUp) created.appctl('start', 'primary');
    return created;
  }

  const remindersOf = (drillId: string, gate: string): Reminder[] =>
    told.filter(
      (e): e is Reminder => e.type === 'gate-reminder' && e.record.drillId === drillId && e.pending.id === gate,
    );

  /** Lets the drill run to its end with nobody answering: the server skips time while the result is awaited. */
  async function leaveUnanswered(workflowId: string): Promise<{ record: DrillRecord; wallMs: number }> {
    const wallStart = Date.now();
    const record = await client.workflow.getHandle(workflowId).result();
    return { record, wallMs: Date.now() - wallStart };
  }

  /** Reminders at every whole multiple of `everyMs` the gate waited, strictly before its timeout, and no other. */
  function expectRemindersEvery(
    record: DrillRecord,
    drillId: string,
    gate: string,
    everyMs: number,
    timeoutMs: number,
  ): void {
    const expected = Math.ceil(timeoutMs / everyMs) - 1;
    const wait = record.waits?.find((w) => w.id === gate);
    if (!wait) throw new Error(`no wait recorded for ${gate}`);
    const opened = Date.parse(wait.from);
    const recorded = record.reminders.filter((r) => r.id === gate).map((r) => Date.parse(r.at) - opened);
    expect(recorded).toHaveLength(expected);
    recorded.forEach((offset, i) => {
      expect(offset).toBeGreaterThanOrEqual((i + 1) * everyMs);
      expect(offset).toBeLessThan((i + 1) * everyMs + SLACK_MS);
    });
    // Each reminder reached the notifier once, saying how long the gate had waited.
    const sent = remindersOf(drillId, gate).map((e) => e.waitingMs);
    expect(sent).toHaveLength(expected);
    sent.forEach((waited, i) => expect(Math.abs(waited - (i + 1) * everyMs)).toBeLessThan(SLACK_MS));
    // The gate closed as timed out at the plan's timeout.
    expect(wait.result).toBe('timed-out');
    expect(Date.parse(wait.to) - opened).toBeGreaterThanOrEqual(timeoutMs);
    expect(Date.parse(wait.to) - opened).toBeLessThan(timeoutMs + SLACK_MS);
  }

  it('an approval gate reminds every 15 minutes, times out after 8 hours, and nothing of the phase runs', async () => {
    const stand = await lab('gate-timing-approval', { reminderAfter: '15m', timeout: '8h' });
    const { workflowId } = await startDrill(client, queue, {
      target: stand.target,
      requestedBy: 'oncall',
      planYaml: stand.planYaml,
    });
    await driveDrill(client, workflowId, { approvers: [], operator: 'oncall', stopAt: 'approve-pre-reboot' });

    const { record, wallMs } = await leaveUnanswered(workflowId);

    expect(record.status).toBe('timed-out');
    expect(record.outcome).toBe(
      "Nobody approved phase pre-reboot within the plan's approval timeout; nothing in it ran.",
    );
    expectRemindersEvery(record, workflowId, 'approve-pre-reboot', 15 * MINUTE, 8 * HOUR);
    expect(record.approvals).toEqual([]);
    expect(record.phases.find((p) => p.id === 'pre-reboot')?.status).toBe('not-run');
    expect(
      record.steps.filter((s) => s.phase !== 'preparation').every((s) => s.status === 'pending' && s.runs === 0),
    ).toBe(true);
    // The stop step never ran: the primary still serves.
    expect(await stand.health('primary')).toBe(200);
    // Eight hours of drill time (the gate's wait, in the workflow's clock) in seconds of ours.
    expect(wallMs).toBeLessThan(60_000);
    const described = await client.workflow.getHandle(workflowId).describe();
    expect(described.typedSearchAttributes.get(DrillOutcome)).toBe('timed-out');
  });

  it('a manual task reminds every 45 minutes and ends the drill at the timeout, leaving the step failed', async () => {
    const stand = await lab('gate-timing-task', { reminderAfter: '45m', timeout: '3h' });
    const { workflowId } = await startDrill(client, queue, {
      target: stand.target,
      requestedBy: 'oncall',
      planYaml: stand.planYaml,
    });
    await waitForPending(client, workflowId, 'task', 'preparation.confirm-backups');

    const { record, wallMs } = await leaveUnanswered(workflowId);

    expect(record.status).toBe('timed-out');
    expect(record.outcome).toBe(
      "Nobody answered for step preparation.confirm-backups within the plan's timeout; the drill stopped there.",
    );
    expectRemindersEvery(record, workflowId, 'preparation.confirm-backups', 45 * MINUTE, 3 * HOUR);
    expect(record.steps.find((s) => s.id === 'preparation.confirm-backups')).toMatchObject({
      status: 'failed',
      error: 'nobody completed the task in time',
    });
    expect(record.tasks.find((t) => t.stepId === 'preparation.confirm-backups')?.completedBy).toBeUndefined();
    expect(record.steps.filter((s) => s.phase !== 'preparation').every((s) => s.runs === 0)).toBe(true);
    expect(await stand.health('primary')).toBe(200);
    expect(wallMs).toBeLessThan(60_000);
  });

  it('a failed step waits for an operator decision with reminders, and ends the drill at the timeout without retrying or skipping it', async () => {
    // The primary is down, so the first health check fails after its retries and asks an operator.
    const stand = await lab('gate-timing-decision', { reminderAfter: '30m', timeout: '2h' }, false);
    const { workflowId } = await startDrill(client, queue, {
      target: stand.target,
      requestedBy: 'oncall',
      planYaml: stand.planYaml,
    });
    const waiting = await waitForPending(client, workflowId, 'decision', 'preparation.app.health.primary');
    expect(waiting.steps.find((s) => s.id === 'preparation.app.health.primary')?.status).toBe('failed');

    const { record, wallMs } = await leaveUnanswered(workflowId);

    expect(record.status).toBe('timed-out');
    expect(record.outcome).toBe(
      "Nobody answered for step preparation.app.health.primary within the plan's timeout; the drill stopped there.",
    );
    expectRemindersEvery(record, workflowId, 'preparation.app.health.primary', 30 * MINUTE, 2 * HOUR);
    expect(record.decisions).toEqual([]);
    // Not retried (one run), not skipped, and nothing after it ran.
    expect(record.steps.find((s) => s.id === 'preparation.app.health.primary')).toMatchObject({
      status: 'failed',
      runs: 1,
    });
    expect(record.steps.filter((s) => s.id !== 'preparation.app.health.primary').every((s) => s.runs === 0)).toBe(true);
    expect(wallMs).toBeLessThan(60_000);
  });
});
