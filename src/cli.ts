/** `drillbook`: the command line. Exit codes: 0 done, 1 refused or failed, 2 bad input (nothing started). */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands';
import { UsageError } from './commands/errors';
import { DrillRefused } from './drills';
import { exitWhenFlushed } from '../store/exit';
import { PlanValidationError } from '../plan/load';
import { currentBuild } from './temporal/buildId';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('drillbook')
    .description('Durable disaster-recovery drills on Temporal')
    .version(
      versionLine(),
      '-V, --version',
      'print the version and the build id (the Worker Deployment version its workers serve)',
    )
    .exitOverride()
    .showHelpAfterError();
  registerCommands(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof PlanValidationError || error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof DrillRefused) {
      console.error(`refused: ${error.message}`);
      return 1;
    }
    console.error(`error: ${(error as Error).message}`);
    return 1;
  }
}

function versionLine(): string {
  const { version, buildId } = currentBuild();
  return `drillbook ${version}, build ${buildId}`;
}

/** Runs the CLI and ends the process once its output is written out (bin/drillbook.js calls this). */
export async function run(argv: string[]): Promise<never> {
  return exitWhenFlushed(await main(argv));
}

if (require.main === module) void run(process.argv);
