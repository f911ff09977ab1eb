/**
 * A site's recovery state where its API cannot say it (domain/tipRecovery.ts): the plan's command
 * per site prints `<name> <value>` lines (also `name=value`, `name: value`). Key names must carry a
 * hex digest, never a value: a line that does not is refused unread. Nothing printed is logged or
 * kept beyond what the checks compare; a failing command is told by its exit code only, since its
 * output might hold what it should not.
 */
import { runProcess } from '../../../kinds/kit/activities/command';
import type { TipCall } from '../context';
import type { SiteRole } from '../../../domain';

const LINE = /^\s*([A-Za-z][\w.-]*)\s*(?:=|:|\s)\s*(\S+)\s*$/;
const DIGEST = /^(?:sha(?:256|384|512):)?[0-9a-f]{32,128}$/i;

export type StateReading = { values: Map<string, string> } | { unreadable: string };

export const isDigest = (value: string): boolean => DIGEST.test(value);

export async function readState(call: TipCall, role: SiteRole): Promise<StateReading> {
  const command = call.args.sites[role].recoveryState?.command;
  if (!command) return { unreadable: `the plan gives no tip.${role}.recoveryState command` };
  const result = await runProcess(command, {
    cwd: call.workdir,
    timeoutMs: command.timeout ?? call.args.requestTimeoutMs,
    where: `${call.stepId}.recoveryState.${role}`,
  });
  if (result.timedOut || result.exitCode !== 0)
    return {
      unreadable: `its recoveryState command \`${command.argv[0]}\` ${result.timedOut ? 'timed out' : `exited ${result.exitCode ?? result.signal}`}`,
    };
  const values = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const match = LINE.exec(line);
    if (match) values.set(match[1], match[2]);
  }
  return { values };
}
