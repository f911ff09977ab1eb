/**
 * The drill interpreter (workflows/) on Temporal's time-skipping test server, with its activities
 * mocked: the plan is compiled by the real loader and compiler, and every step passes unless the test
 * says it fails (with which message), so a test decides what happened and asserts what the drill made
 * of it. Hours of gate time pass in a moment while a test awaits a drill's result or `skip`s time.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { stringify } from 'yaml';
import { approve, startDrill } from '../../../src/drills';
import { formatPlanError, parsePlan } from '../../../plan/load';
import { statusQuery } from '../../../workflows/handlers';
import { compileDrill } from '../../../workflows/runbook';
import { createTimeSkippingEnv } from '../../support/timeSkipping';
import { waitForRecord } from '../../support/operators';
import type {
  AuditEntry,
  DrillActivities,
  DrillEvent,
  DrillMode,
  DrillRecord,
  PendingAction,
  SiteLoss,
  SiteRole,
  StepFailureDetails,
  StepInput,
  StepOutcome,
} from '../../../domain';

/** The activities a drill of the harness's plans calls: its plan, its people, its report, and its steps (all commands). */
export type MockedActivities = Pick<
  DrillActivities,
  'loadPlan' | 'notify' | 'writeReport' | 'previousPrecheck' | 'auditRefusal' | 'runCommand' | 'checkHttp'
>;

export interface PlanOptions {
  quorum?: number;
  fourEyes?: boolean;
  /** A stop condition (`error-rate`) checked before each destructive step of a phase that needs approval. */
  stopCondition?: boolean;
  /** Leave preparation's backups to the compiler's manual task (preparation.confirm-backups) instead of a command. */
  manualBackups?: boolean;
  /** Any other edit of the plan document (an invalid field, say). */
  edit?: (plan: Record<string, unknown>) => void;
}

/** The gates' timing of every plan here: a reminder every 15 minutes, a gate given up after 2 hours. */
export const REMINDER_MS = 15 * 60_000;
export const TIMEOUT_MS = 2 * 3_600_000;

/**
 * One service on two sites (dc1 primary, dc2 secondary), steps that are commands, approvers alice,
 * bob and carol, operator oncall. Retries: 2 attempts, 100 ms apart, so a failing step asks soon.
 */
export function planYaml(target: string, options: PlanOptions = {}): string {
  const site = (name: string) => ({
    health: { command: ['check', name] },
    stop: { command: ['stop', name] },
    start: { command: ['start', name] },
  });
  const plan: Record<string, unknown> = {
    target,
    platform: 'generic',
    sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
    approvals: {
      approvers: ['alice', 'bob', 'carol'],
      operators: ['oncall'],
      fourEyes: options.fourEyes ?? true,
      quorum: options.quorum ?? 1,
      reminderAfter: '15m',
      timeout: '2h',
    },
    defaults: {
      retry: { maximumAttempts: 2, initialInterval: '100ms', backoffCoefficient: 1, maximumInterval: '100ms' },
      stepTimeout: '5s',
    },
    components: { app: { kind: 'service', primary: site('primary'), secondary: site('secondary') } },
    steps: options.manualBackups
      ? []
      : [
          {
            id: 'backups-done',
            phase: 'preparation',
            segment: 'backups',
            title: 'Backups are done',
            command: ['backups', 'done'],
          },
        ],
    ...(options.stopCondition
      ? { stopConditions: [{ id: 'error-rate', title: 'The error rate is low', command: ['error-rate'] }] }
      : {}),
  };
  options.edit?.(plan);
  return stringify(plan);
}

/** The step ids of a drill of planYaml's plan, phase by phase, as the compiler orders them. */
export const STEPS = {
  preparation: ['preparation.app.health.primary', 'preparation.backups-done'],
  'pre-reboot': ['pre-reboot.app.stop.primary', 'pre-reboot.app.start.primary', 'pre-reboot.app.health.primary'],
  check: ['check.app.health.primary'],
  failover: ['failover.app.stop.primary', 'failover.app.start.secondary'],
  'failover-check': ['failover-check.app.health.secondary'],
  failback: ['failback.app.stop.secondary', 'failback.app.start.primary'],
  'failback-check': ['failback-check.app.health.primary'],
} as const;
export const ALL_STEPS: string[] = Object.values(STEPS).flat();

/** One call of a step activity: which drill, which step, which attempt, and whether it failed. */
export interface StepCall {
  drillId: string;
  stepId: string;
  attempt: number;
  failed: boolean;
  /** The site the step acts on, as compiled (a stop condition with `site: serving` has one per phase). */
  site?: SiteRole;
}

export interface Harness {
  client: Client;
  /** The task queue the harness's worker polls. */
  taskQueue: string;
  /** Starts a drill of a fresh target (`drill-<target>`) on the plan given; returns its workflow ID. */
  start(
    target: string,
    options?: PlanOptions & { mode?: DrillMode; requestedBy?: string; siteLoss?: SiteLoss },
  ): Promise<string>;
  /** From now on the step fails on every attempt with this message, until `heal`. */
  fail(drillId: string, stepId: string, message: string): void;
  heal(drillId: string, stepId: string): void;
  /** From now on the step, when it passes, reports these facts (as a kind's activity would). */
  report(drillId: string, stepId: string, facts: Record<string, unknown>): void;
  /** Every step call of a drill so far, in order. */
  calls(drillId: string): StepCall[];
  /** Step ids of a drill whose activity was called (once per id, in order of their first call). */
  ran(drillId: string): string[];
  /** What the drill told people (the notify activity), in order. */
  told(drillId: string): DrillEvent[];
  reports: DrillRecord[];
  audits: AuditEntry[];
  /** The drill's record as its workflow answers the status query. */
  record(drillId: string): Promise<DrillRecord>;
  waitFor(drillId: string, predicate: (record: DrillRecord) => boolean): Promise<DrillRecord>;
  /** Approves every approval gate as bob until the drill waits for something else, or at the gate `stopAt`; returns the record there. */
  approveUntil(drillId: string, stopAt?: string): Promise<DrillRecord>;
  /** The drill's result: awaiting it lets the server skip time, so gates nobody answers time out at once. */
  ending(drillId: string): Promise<DrillRecord>;
  /** Skips `ms` of the drills' time (none of ours passes). */
  skip(ms: number): Promise<void>;
  /** Terminates this file's drills still running (so skipped time never reaches a drill left at a gate). */
  terminateRunning(): Promise<void>;
  stop(): Promise<void>;
}

const key = (drillId: string, stepId: string) => `${drillId} ${stepId}`;

/** The mocked activities over the harness's state: what fails, and what was called and told. */
function mockActivities(
  failing: Map<string, string>,
  reported: Map<string, Record<string, unknown>>,
  calls: StepCall[],
  told: DrillEvent[],
  reports: DrillRecord[],
  audits: AuditEntry[],
): MockedActivities {
  async function step(input: StepInput): Promise<StepOutcome> {
    const { attempt } = Context.current().info;
    const startedAt = new Date().toISOString();
    const message = failing.get(key(input.drillId, input.step.id));
    calls.push({
      drillId: input.drillId,
      stepId: input.step.id,
      attempt,
      failed: message !== undefined,
      site: input.step.site,
    });
    // As asStepActivity does: the attempt travels in the failure's details, so the record says how many it took.
    if (message !== undefined)
      throw ApplicationFailure.create({
        message,
        type: 'CommandFailed',
        details: [{ attempt } satisfies StepFailureDetails],
      });
    const facts = reported.get(key(input.drillId, input.step.id)) ?? {};
    return { summary: `${input.step.title}: ok`, facts, attempt, startedAt, endedAt: new Date().toISOString() };
  }
  return {
    async loadPlan(input) {
      const result = parsePlan(input.planYaml ?? '');
      if (!result.ok)
        throw ApplicationFailure.nonRetryable(
          `the plan given at start is not a valid plan: ${result.errors.map(formatPlanError).join('; ')}`,
          'InvalidPlan',
        );
      return {
        plan: result.plan,
        source: 'the plan given at start',
        compiled: compileDrill(result.plan, input.mode ?? 'drill'),
      };
    },
    async notify(event) {
      told.push(event);
      return undefined;
    },
    async writeReport(record) {
      reports.push(record);
      return { files: [] };
    },
    async previousPrecheck() {
      return undefined;
    },
    async auditRefusal(entry) {
      audits.push(entry);
    },
    runCommand: step,
    checkHttp: step,
  };
}

/** The workflow code bundled once for the run by the unit tier's global setup; bundled here when run otherwise. */
function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = process.env.DRILLBOOK_WORKFLOW_BUNDLE;
  return bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('../../../workflows') };
}

export async function startHarness(): Promise<Harness> {
  const env: TestWorkflowEnvironment = await createTimeSkippingEnv();
  const { client } = env;
  const failing = new Map<string, string>();
  const reported = new Map<string, Record<string, unknown>>();
  const calls: StepCall[] = [];
  const told: DrillEvent[] = [];
  const reports: DrillRecord[] = [];
  const audits: AuditEntry[] = [];
  const started: string[] = [];
  const taskQueue = `unit-${randomUUID().slice(0, 8)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    ...workflowSource(),
    activities: mockActivities(failing, reported, calls, told, reports, audits),
    // As the real worker: the record's sink is a no-op outside replay.
    sinks: { drillbook: { recorded: { fn: () => undefined, callDuringReplay: false } } },
  });
  const running = worker.run();

  const eventDrill = (event: DrillEvent): string | undefined => ('record' in event ? event.record.drillId : undefined);
  return {
    client,
    taskQueue,
    reports,
    audits,
    async start(target, options = {}) {
      const handle = await startDrill(client, taskQueue, {
        target,
        requestedBy: options.requestedBy ?? 'alice',
        mode: options.mode,
        planYaml: planYaml(target, options),
        ...(options.siteLoss ? { siteLoss: options.siteLoss } : {}),
      });
      started.push(handle.workflowId);
      return handle.workflowId;
    },
    fail: (drillId, stepId, message) => void failing.set(key(drillId, stepId), message),
    heal: (drillId, stepId) => void failing.delete(key(drillId, stepId)),
    report: (drillId, stepId, facts) => void reported.set(key(drillId, stepId), facts),
    calls: (drillId) => calls.filter((c) => c.drillId === drillId),
    ran: (drillId) => [...new Set(calls.filter((c) => c.drillId === drillId).map((c) => c.stepId))],
    told: (drillId) => told.filter((e) => eventDrill(e) === drillId),
    record: (drillId) => client.workflow.getHandle(drillId).query(statusQuery),
    waitFor: (drillId, predicate) => waitForRecord(client, drillId, predicate, 30_000),
    async approveUntil(drillId, stopAt) {
      // Bounded by the drill's gates: each pass answers one opening and waits for it to close.
      for (let gates = 0; gates < 20; gates++) {
        const record = await waitForRecord(client, drillId, (r) => r.pending !== null, 30_000);
        const pending = record.pending as PendingAction;
        if (pending.kind !== 'approval' || pending.id === stopAt) return record;
        await approve(client, drillId, { by: 'bob', gate: pending.id });
        await waitForRecord(client, drillId, (r) => r.pending?.since !== pending.since, 30_000);
      }
      throw new Error(`${drillId} asked for more approvals than its plan has gates`);
    },
    ending: (drillId) => client.workflow.getHandle(drillId).result() as Promise<DrillRecord>,
    skip: (ms) => env.sleep(ms),
    async terminateRunning() {
      for (const id of started.splice(0)) {
        const handle = client.workflow.getHandle(id);
        if ((await handle.describe()).status.name !== 'RUNNING') continue;
        // Only once it waits for a person: after a drill was terminated with an activity in flight, the
        // test server skipped no more time for the rest of the file (seen here: the next skip hung).
        await waitForRecord(client, id, (r) => r.pending !== null, 10_000);
        await handle.terminate('the test is over');
      }
    },
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
