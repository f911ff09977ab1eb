/** `drillbook precheck PLAN|TARGET`: is the target ready to be drilled right now? Exit 0 ready, 1 not ready. */
import type { Command } from 'commander';
import os from 'node:os';
import { temporalSettings } from '../../store/config';
import { renderPrecheck, runPrecheck } from '../prechecks';
import { withClient } from '../temporal/connect';
import { resolvePlan } from './schedule';

export function registerPrecheckCommands(program: Command): void {
  program
    .command('precheck')
    .description(
      'run every check of a plan that changes nothing, on both sites: ready (exit 0) or the drifts with their plan paths (exit 1)',
    )
    .argument('<planOrTarget>', 'a plan file, or a target the workers have a plan for')
    .option('--json', 'print the result as JSON')
    .option('--by <user>', 'who asks', process.env.DRILLBOOK_USER ?? os.userInfo().username)
    .action(async (planOrTarget: string, options: { json?: boolean; by: string }) => {
      const plan = await resolvePlan(planOrTarget);
      const result = await withClient((client) =>
        runPrecheck(client, temporalSettings().taskQueue, {
          target: plan.target,
          planYaml: plan.planYaml,
          requestedBy: options.by,
        }),
      );
      console.log(options.json ? JSON.stringify(result, null, 2) : renderPrecheck(result));
      if (!result.ready) process.exitCode = 1;
    });
}
