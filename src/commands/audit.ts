/** `drillbook audit <target>`: the refusals kept in a target's audit trail, oldest first. */
import type { Command } from 'commander';
import { defaultAuditDir, readAudit, trailFile, UNATTRIBUTED } from '../../store/auditTrail';
import { UsageError } from './errors';
import { TARGET_PATTERN } from '../../domain';

export function registerAuditCommands(program: Command): void {
  program
    .command('audit')
    .description(
      "print the refusals kept in a target's audit trail: wrong-ID and second starts, forged, stale or replayed Slack requests, Slack clicks by strangers",
    )
    .argument('<target>', `a plan target (or drill-<target>); ${UNATTRIBUTED} for requests that named no known target`)
    .option('--json', 'one JSON object per line, as kept')
    .action(async (given: string, options: { json?: boolean }) => {
      const target = given.startsWith('drill-') ? given.slice('drill-'.length) : given;
      if (target !== UNATTRIBUTED && !TARGET_PATTERN.test(target))
        throw new UsageError(`${given} is not a target name (lower-case letters, digits and dashes)`);
      const dir = defaultAuditDir();
      const trail = await readAudit(dir, target);
      if (options.json) {
        for (const entry of trail.entries) console.log(JSON.stringify(entry));
        return;
      }
      if (!trail.entries.length) {
        console.log(`no refusals in the audit trail of ${target} (${trailFile(dir, target)})`);
        return;
      }
      for (const e of trail.entries) {
        const who = e.by ?? (e.from ? `unknown (from ${e.from})` : 'unknown');
        console.log(
          `${e.at}  ${e.kind.padEnd(20)} via ${e.via.padEnd(5)} by ${who}${e.workflowId ? ` [${e.workflowId}]` : ''}: ${e.reason}`,
        );
      }
      if (trail.full)
        console.log(`the trail reached its size limit: later refusals were only logged (${trailFile(dir, target)})`);
    });
}
