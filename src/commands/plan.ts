/** `drillbook plan check|show`: validate a plan and print the dry run. */
import type { Command } from 'commander';
import { compileRunbook } from '../../workflows/runbook';
import { loadPlanFile, PlanValidationError, type PlanError } from '../../plan/load';
import { quorumWarning } from '../../plan/approvalRules';
import { renderRunbook } from '../../render/runbook';
import { UsageError } from './errors';
import { DRILL_MODES, type DrillMode, type Plan } from '../../domain';

/** One file as `plan check --json` reports it. */
export interface PlanCheckReport {
  file: string;
  ok: boolean;
  target?: string;
  errors: PlanError[];
  /** What is not an error but will bite (a quorum four-eyes puts out of reach when an approver starts). */
  warnings: PlanError[];
  /** Per mode, per phase, the ids of the steps a drill runs, in order. */
  steps?: Record<DrillMode, { phase: string; steps: string[] }[]>;
}

function warningsOf(plan: Plan): PlanError[] {
  const quorum = quorumWarning(plan.approvals);
  return quorum ? [{ path: 'approvals.quorum', message: quorum.replace(/^approvals\.quorum: /, '') }] : [];
}

/** A file's report, and for a person the refusal as the loader words it (one line for a file that cannot be read). */
export async function checkPlanFile(file: string): Promise<{ report: PlanCheckReport; refusal?: string }> {
  try {
    const plan = await loadPlanFile(file);
    const steps = Object.fromEntries(
      DRILL_MODES.map((mode) => [
        mode,
        compileRunbook(plan, mode).phases.map((phase) => ({ phase: phase.id, steps: phase.steps.map((s) => s.id) })),
      ]),
    ) as PlanCheckReport['steps'];
    return { report: { file, ok: true, target: plan.target, errors: [], warnings: warningsOf(plan), steps } };
  } catch (error) {
    if (!(error instanceof PlanValidationError)) throw error;
    return { report: { file, ok: false, errors: error.errors, warnings: [] }, refusal: error.message };
  }
}

export function parseMode(mode: string): DrillMode {
  if (!DRILL_MODES.includes(mode as DrillMode))
    throw new UsageError(`--mode must be one of ${DRILL_MODES.join(', ')}, got "${mode}"`);
  return mode as DrillMode;
}

export function registerPlanCommands(program: Command): void {
  const plan = program.command('plan').description('check plan files and show what a drill would run');

  plan
    .command('check')
    .description('validate plan files; prints every error with its path and exits 2 if any is invalid')
    .argument('<files...>', 'plan files (YAML)')
    .option('--json', 'print { ok, plans: [{ file, ok, target, errors, warnings, steps }] } as JSON')
    .action(async (files: string[], options: { json?: boolean }) => {
      const checked: { report: PlanCheckReport; refusal?: string }[] = [];
      for (const file of files) checked.push(await checkPlanFile(file));
      const reports = checked.map((c) => c.report);
      const ok = reports.every((report) => report.ok);
      if (!ok) process.exitCode = 2;
      if (options.json) return console.log(JSON.stringify({ ok, plans: reports }, null, 2));
      for (const { report, refusal } of checked) {
        if (refusal !== undefined) {
          console.error(refusal);
          continue;
        }
        const counts = DRILL_MODES.map(
          (mode) => `${(report.steps?.[mode] ?? []).reduce((n, phase) => n + phase.steps.length, 0)} ${mode}`,
        );
        console.log(`${report.file}: ok (target ${report.target}; steps: ${counts.join(', ')})`);
        for (const warning of report.warnings) console.log(`  warning: ${warning.path}: ${warning.message}`);
      }
    });

  plan
    .command('show')
    .description('print the compiled runbook: exactly the phases, gates and steps a drill runs')
    .argument('<file>', 'plan file (YAML)')
    .option('--mode <mode>', `one of ${DRILL_MODES.join(', ')}`, 'drill')
    .option('--json', 'print the runbook as JSON')
    .action(async (file: string, options: { mode: string; json?: boolean }) => {
      const loaded = await loadPlanFile(file);
      const runbook = compileRunbook(loaded, parseMode(options.mode));
      console.log(options.json ? JSON.stringify(runbook, null, 2) : renderRunbook(loaded, runbook));
    });
}
