/** Starting drills and answering them: start, status, approve, reject, decide, complete, list. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { temporalSettings } from '../../store/config';
import {
  approve,
  completeTask,
  decide,
  drillStatus,
  drillView,
  listDrills,
  pause,
  reject,
  resume,
  startDrill,
} from '../drills';
import { findPlanFile, loadPlanFile } from '../../plan/load';
import { plansDir } from '../../store/config';
import { renderRecord } from '../../render/record';
import { withClient } from '../temporal/connect';
import { quietReplays } from '../temporal/quietReplays';
import { UsageError } from './errors';
import { parseMode } from './plan';
import {
  type DrillMode,
  type DrillRecord,
  FINAL_STATUSES,
  type OperatorDecision,
  type Plan,
  type SiteLoss,
  siteLossProblems,
  unapprovableGates,
} from '../../domain';

const me = (): string => process.env.DRILLBOOK_USER ?? os.userInfo().username;

/** Follows a drill until it ends (or `maxMs` passes), redrawing on a terminal, printing changes elsewhere. */
export async function follow(
  client: Client,
  id: string,
  options: { maxMs?: number; onRecord?: (record: DrillRecord) => void } = {},
): Promise<DrillRecord> {
  const deadline = Date.now() + (options.maxMs ?? 24 * 3_600_000);
  let record = await drillStatus(client, id);
  while (!FINAL_STATUSES.includes(record.status) && Date.now() < deadline) {
    options.onRecord?.(record);
    await sleep(1000);
    record = await drillStatus(client, id);
  }
  options.onRecord?.(record);
  return record;
}

interface StartOptions {
  mode: string;
  by: string;
  reason?: string;
  lostAt?: string;
  wait?: boolean;
}

/** `--lost-at`: an ISO time, epoch ms or `now`, in failover mode, not in the future; refused (exit 2) otherwise. */
export function declaredLoss(text: string, mode: DrillMode, by: string, now = Date.now()): SiteLoss {
  const accepts = 'it takes an ISO time (2026-12-07T21:03:05Z), epoch milliseconds or now';
  if (mode !== 'failover')
    throw new UsageError(
      `--lost-at is for --mode failover (a real outage) only, not ${mode}: a planned drill loses no site. ${accepts}`,
    );
  const trimmed = text.trim();
  const at = trimmed === 'now' ? now : /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  if (!Number.isFinite(at) || (!/^\d+$/.test(trimmed) && trimmed !== 'now' && !/\d{4}-\d{2}-\d{2}/.test(trimmed)))
    throw new UsageError(`--lost-at: "${text}" is not a time; ${accepts}`);
  const problems = siteLossProblems({ at, how: 'declared', by }, now);
  if (problems.length)
    throw new UsageError(`--lost-at: ${problems.map((p) => p.replace(/^siteLoss\.\w+: /, '')).join('; ')}`);
  return { at, how: 'declared', by };
}

export function registerDrillCommands(program: Command): void {
  program
    .command('start')
    .description('start a drill from a plan file or a target the workers have a plan for; prints the workflow ID')
    .argument('<planOrTarget>', 'a plan file, or a target name')
    .option('--mode <mode>', 'drill (all phases), failover (a real outage) or failback', 'drill')
    .option('--by <user>', 'who starts the drill', me())
    .option('--reason <text>', 'why: a ticket, "Q3 DR test"')
    .option(
      '--lost-at <time>',
      'failover only: when the primary site was lost (ISO time, epoch ms or now); RTO and RPO count from it',
    )
    .option('--wait', 'wait until the drill ends; exit 0 only if it succeeded')
    .action(async (planOrTarget: string, options: StartOptions) => {
      const mode = parseMode(options.mode);
      const siteLoss = options.lostAt === undefined ? undefined : declaredLoss(options.lostAt, mode, options.by);
      let target = planOrTarget;
      let planYaml: string | undefined;
      let plan: Plan | undefined;
      if (existsSync(planOrTarget)) {
        // Validated here so nothing starts on a bad plan; the YAML travels with the drill.
        plan = await loadPlanFile(planOrTarget);
        target = plan.target;
        planYaml = await readFile(planOrTarget, 'utf8');
      } else {
        const local = await findPlanFile(plansDir(), target);
        if (local) plan = await loadPlanFile(local);
        else if (!/^[a-z0-9][a-z0-9-]*$/.test(target))
          throw new UsageError(`${planOrTarget} is neither a plan file nor a target name`);
      }
      // The drill refuses this too at its start; said here first, before anything starts.
      const unapprovable = plan ? unapprovableGates(plan.approvals, mode, options.by) : [];
      if (unapprovable.length)
        throw new UsageError(
          `nobody could approve this drill as ${options.by} starts it: ${unapprovable.join('; ')}. Nothing started; start it as someone else (--by an operator), or change approvals.`,
        );
      await withClient(async (client) => {
        const handle = await startDrill(client, temporalSettings().taskQueue, {
          target,
          mode,
          requestedBy: options.by,
          planYaml,
          reason: options.reason,
          ...(siteLoss ? { siteLoss } : {}),
        });
        console.log(handle.workflowId);
        if (!options.wait) return;
        const record = await follow(client, handle.workflowId);
        console.log(renderRecord(record));
        if (record.status !== 'succeeded') process.exitCode = 1;
      });
    });

  program
    .command('status')
    .description('show a drill; follows it live on a terminal until it ends')
    .argument('<id>', 'workflow ID (drill-<target>) or target')
    .option('--json', 'print the record as JSON once')
    .option('--once', 'print once, do not follow')
    .action(async (id: string, options: { json?: boolean; once?: boolean }) => {
      await withClient(async (client) => {
        if (options.json || options.once || !process.stdout.isTTY) {
          quietReplays(); // a drill no worker answers for is read from its history
          const view = await drillView(client, id);
          if (options.json)
            console.log(
              JSON.stringify(
                view.live ? view.record : { ...view.record, stale: { asOf: view.asOf, note: view.note } },
                null,
                2,
              ),
            );
          else
            console.log(view.live ? renderRecord(view.record) : `STALE: ${view.note}\n\n${renderRecord(view.record)}`);
          return;
        }
        await follow(client, id, {
          onRecord: (record) =>
            process.stdout.write(
              `\x1b[2J\x1b[H${renderRecord(record)}\n\n(following; Ctrl-C to stop watching, the drill goes on)\n`,
            ),
        });
      });
    });

  for (const verdict of ['approve', 'reject'] as const) {
    program
      .command(verdict)
      .description(
        verdict === 'approve'
          ? 'approve the open gate (counts towards the quorum)'
          : 'reject the open gate; the drill ends as rejected',
      )
      .argument('<id>', 'workflow ID or target')
      .requiredOption('--as <user>', 'who you are (must be an approver of the plan)')
      .option('--comment <text>', 'kept in the record')
      .option('--gate <gate>', 'the gate you mean; refused if another is open')
      .action(async (id: string, options: { as: string; comment?: string; gate?: string }) => {
        const input = { by: options.as, comment: options.comment, gate: options.gate };
        const result = await withClient((client) =>
          verdict === 'approve' ? approve(client, id, input) : reject(client, id, input),
        );
        console.log(result.message);
      });
  }

  program
    .command('pause')
    .description('pause a drill: the step in flight finishes, then it holds before the next step until resumed')
    .argument('<id>', 'workflow ID or target')
    .requiredOption('--as <user>', 'who you are (an operator or approver of the plan)')
    .requiredOption('--reason <text>', 'why; kept in the record')
    .action(async (id: string, options: { as: string; reason: string }) => {
      const result = await withClient((client) => pause(client, id, { by: options.as, reason: options.reason }));
      console.log(result.message);
    });

  program
    .command('resume')
    .description('resume a paused drill (paused by a person or by a failing stop condition)')
    .argument('<id>', 'workflow ID or target')
    .requiredOption('--as <user>', 'who you are (an operator or approver of the plan)')
    .option('--reason <text>', 'kept in the record')
    .action(async (id: string, options: { as: string; reason?: string }) => {
      const result = await withClient((client) => resume(client, id, { by: options.as, reason: options.reason }));
      console.log(result.message);
    });

  program
    .command('decide')
    .description('decide on a step that failed after its retries: retry, skip (with --reason) or abort')
    .argument('<id>', 'workflow ID or target')
    .argument('<decision>', 'retry | skip | abort')
    .requiredOption('--as <user>', 'who you are')
    .option('--reason <text>', 'required for skip; kept in the record')
    .option('--step <stepId>', 'the step you mean; refused if another is waiting')
    .action(async (id: string, decision: string, options: { as: string; reason?: string; step?: string }) => {
      if (!['retry', 'skip', 'abort'].includes(decision))
        throw new UsageError(`decision must be retry, skip or abort, got "${decision}"`);
      const result = await withClient((client) =>
        decide(client, id, {
          by: options.as,
          decision: decision as OperatorDecision,
          reason: options.reason,
          stepId: options.step,
        }),
      );
      console.log(result.message);
    });

  program
    .command('complete')
    .description('mark a manual task done')
    .argument('<id>', 'workflow ID or target')
    .argument('<task>', 'the task (its step id, shown by status)')
    .requiredOption('--as <user>', 'who you are')
    .option('--note <text>', 'what was done; kept in the record')
    .action(async (id: string, task: string, options: { as: string; note?: string }) => {
      const result = await withClient((client) =>
        completeTask(client, id, { by: options.as, taskId: task, note: options.note }),
      );
      console.log(result.message);
    });

  program
    .command('list')
    .description('list drills, newest first')
    .option('--running', 'only running drills')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (options: { running?: boolean; limit: string }) => {
      const drills = await withClient((client) =>
        listDrills(client, { running: options.running, limit: Number(options.limit) }),
      );
      if (drills.length === 0) console.log('no drills');
      for (const d of drills) {
        console.log(
          [
            d.workflowId.padEnd(28),
            d.status.padEnd(10),
            (d.mode ?? '').padEnd(8),
            (d.phase ?? '').padEnd(15),
            (d.outcome ?? '').padEnd(10),
            d.startTime.toISOString(),
            ...(d.reason ? [d.reason] : []),
          ].join(' '),
        );
      }
    });
}
