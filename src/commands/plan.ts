/** `drillbook plan check|show`: validate a plan and print the dry run. */
import type { Command } from 'commander';
import { compileRunbook } from '../../workflows/runbook';
import { loadPlanFile, PlanValidationError } from '../../plan/load';
import { renderRunbook } from '../../render/runbook';
import { UsageError } from './errors';
import { DRILL_MODES, type DrillMode } from '../../domain';

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
    .action(async (files: string[]) => {
      let invalid = 0;
      for (const file of files) {
        try {
          const loaded = await loadPlanFile(file);
          const steps = DRILL_MODES.map(
            (mode) => `${compileRunbook(loaded, mode).phases.reduce((n, p) => n + p.steps.length, 0)} ${mode}`,
          );
          console.log(`${file}: ok (target ${loaded.target}; steps: ${steps.join(', ')})`);
        } catch (error) {
          if (!(error instanceof PlanValidationError)) throw error;
          invalid += 1;
          console.error(error.message);
        }
      }
      if (invalid) process.exitCode = 2;
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
