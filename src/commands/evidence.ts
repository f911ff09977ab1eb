/** `drillbook evidence`: attach a client's truth about an outage (ClientEvidence) to the running drill. */
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { attachEvidence } from '../drills';
import { withClient } from '../temporal/connect';
import { UsageError } from './errors';
import { clientEvidenceProblems, type ClientEvidence } from '../../domain';

const me = (): string => process.env.DRILLBOOK_USER ?? os.userInfo().username;

/** The file's ClientEvidence, or a UsageError (exit 2) naming the field and what it accepts. */
export async function readEvidenceFile(file: string): Promise<ClientEvidence> {
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new UsageError(`--file ${file}: cannot be read (${error.message})`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--file ${file}: not JSON (${(error as Error).message})`);
  }
  const problems = clientEvidenceProblems(value);
  if (problems.length) throw new UsageError(`--file ${file}: ${problems.join('; ')}`);
  return value as ClientEvidence;
}

export function registerEvidenceCommands(program: Command): void {
  program
    .command('evidence')
    .description(
      "attach a client's evidence of an outage (downtime, writes lost, two-writer samples) to the running drill; kept in its record and report",
    )
    .argument('<id>', 'workflow ID (drill-<target>) or target')
    .requiredOption(
      '--file <evidence.json>',
      'a ClientEvidence as JSON (domain/siteLoss.ts), as the lab harness writes it',
    )
    .option('--as <user>', 'who attaches it', me())
    .action(async (id: string, options: { file: string; as: string }) => {
      const evidence = await readEvidenceFile(options.file);
      const result = await withClient((client) => attachEvidence(client, id, { by: options.as, evidence }));
      console.log(result.message);
    });
}
