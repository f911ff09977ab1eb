/**
 * ThreatConnect's monitorsEnabled is an install-specific setting the operator must confirm: no
 * public ThreatConnect material names it or says where it lives (FIELD-NOTES 15, 16; the examples
 * read threatconnect.xml on each app server), and the API does not expose it. So the plan gives a
 * command per site that prints it as the server runs now: `true` or `false` (also on/off, yes/no,
 * 1/0). Anything else is a reading the check cannot use: it fails. The job executions' serverName
 * (threatconnect.ts) is the documented evidence of where jobs actually ran.
 */
import { runProcess } from '../../kinds/kit/activities/command';
import { failRetryable } from '../../kinds/kit/activities/failures';
import type { TipCall } from './context';
import type { SiteRole } from '../../domain';

const TRUE = /^(true|on|yes|1|enabled)$/i;
const FALSE = /^(false|off|no|0|disabled)$/i;

type Reading = { enabled: boolean } | { unreadable: string };

async function read(call: TipCall, role: SiteRole): Promise<Reading> {
  const command = call.args.sites[role].monitorsEnabled?.command;
  if (!command) return { unreadable: `the plan gives no tip.${role}.monitorsEnabled command` };
  const result = await runProcess(command, {
    cwd: call.workdir,
    timeoutMs: command.timeout ?? call.args.requestTimeoutMs,
    where: `${call.stepId}.monitors.${role}`,
  });
  const printed = result.stdout.trim().split('\n').pop()?.trim() ?? '';
  if (TRUE.test(printed)) return { enabled: true };
  if (FALSE.test(printed)) return { enabled: false };
  const why = result.timedOut ? 'timed out' : `exited ${result.exitCode ?? result.signal}`;
  return {
    unreadable: `\`${command.argv.join(' ')}\` ${why} printing ${JSON.stringify(printed.slice(0, 60))}${result.stderr ? ` (${result.stderr.split('\n').pop()})` : ''}, not true or false`,
  };
}

/** monitorsEnabled on the serving server and not on the other; in an outage an unreadable other side is taken as down. */
export async function readMonitors(
  call: TipCall,
): Promise<{ serving: true; other: boolean | 'unreadable'; note: string }> {
  const { serving, siteNames, planned } = call.args;
  const [here, there] = await Promise.all([read(call, serving), read(call, call.other)]);
  const facts = { serving: here, other: there };
  if ('unreadable' in here)
    failRetryable(
      `${call.who()}: cannot tell whether its app server runs jobs: ${here.unreadable}`,
      'TipMonitorsUnreadable',
      facts,
    );
  if (!here.enabled)
    failRetryable(`${call.who()}: monitorsEnabled is off, so no app server runs jobs`, 'TipNoJobs', facts);
  if ('unreadable' in there) {
    if (planned)
      failRetryable(
        `${call.who()}: cannot tell whether ${siteNames[call.other]} also runs jobs: ${there.unreadable}`,
        'TipMonitorsUnreadable',
        facts,
      );
    return {
      serving: true,
      other: 'unreadable',
      note: ` (${siteNames[call.other]} could not be read, taken as down in this outage)`,
    };
  }
  if (there.enabled)
    failRetryable(
      `${call.who()}: jobs on two app servers: monitorsEnabled is on on both ${siteNames[serving]} and ${siteNames[call.other]}`,
      'TipJobsOnTwoServers',
      facts,
    );
  return { serving: true, other: false, note: '' };
}
