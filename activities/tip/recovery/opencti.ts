/**
 * OpenCTI's recovery state (FIELD-NOTES 16):
 * - queues: every registered connector has its queues on the serving site's RabbitMQ. OpenCTI names
 *   them `<prefix>listen_<connector id>` and `<prefix>push_<connector id>`, the prefix being
 *   `rabbitmq:queue_prefix` plus `_` when set (OpenCTI-Platform/opencti,
 *   opencti-graphql/src/database/rabbitmq.js registerConnectorQueues and connectorConfig;
 *   RABBIT_QUEUE_PREFIX in src/database/utils). A site restored without them leaves the connector
 *   silent until it is registered again (opencti#13763). Built-in connectors run inside the platform
 *   and have none. The connector list is GraphQL `connectors { id name built_in }` (MODULES capability);
 *   the queues are the management API's `GET /api/queues/<vhost>`.
 * - streams: REDIS__TRIMMING is the number of events the stream keeps ("Number of elements to maintain
 *   in the stream. (0 = unlimited)", default 2,000,000: OpenCTI docs deployment/configuration.md; the
 *   docs size it as about a month). At the plan's events per hour that is a time; stream consumers
 *   (other platforms, SIEM connectors) resume after an outage only if it is longer than the outage.
 * - managers: `settings { platform_modules { id enable running } }`, OpenCTI's Settings type. `id` and
 *   `enable` are confirmed by OpenCTI's own front-end tests (opencti-front's Profile test mocks
 *   Settings.platform_modules as [{ id: 'EXPIRATION_SCHEDULER', enable: true }, …]); `running` is
 *   read from opencti-graphql/config/schema/opencti.graphql's Module type and not confirmed against a
 *   release here: an answer without it fails the check (no manager reported running). The managers
 *   (expiration, retention, rules, playbooks, sync…) must run where the platform serves and not on
 *   the other site, whose platform would act on the same data twice.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Observation } from '../../../kinds/kit/activities/types';
import type { TipCall } from '../context';
import type { RecoveryCall } from './call';
import { count, plural } from '../figures';
import { graphql } from '../opencti';
import { field, isArray, UNREACHABLE } from '../request';
import { runProcess } from '../../../kinds/kit/activities/command';
import { failRetryable } from '../../../kinds/kit/activities/failures';
import { resolveSecret } from '../../../kinds/kit/activities/secrets';
import { failUntrusted, readCaBundle, untrustedCertificate } from '../../../kinds/kit/activities/caBundle';
import { requestWithCa } from '../../../kinds/kit/activities/tlsRequest';
import { cancellationSignal } from '../../../kinds/kit/activities/heartbeat';
import type { SiteRole, TipRabbitmqSite } from '../../../domain';

interface Connector {
  id?: string;
  name?: string;
  built_in?: boolean;
}

async function queueNames(call: TipCall, role: SiteRole, site: TipRabbitmqSite): Promise<Set<string>> {
  const password = await resolveSecret(site.password, `${call.stepId}.rabbitmq.${role}.password`);
  const url = `${site.url.replace(/\/+$/, '')}/api/queues/${encodeURIComponent(site.vhost)}?columns=name`;
  const who = `RabbitMQ on ${call.args.siteNames[role]}`;
  const authorization = `Basic ${Buffer.from(`${site.username}:${password}`).toString('base64')}`;
  let status: number;
  let listed: { name?: unknown }[] | undefined;
  if (site.ca) {
    // The component's tls block: the broker's certificate is verified against its CA bundle (Amazon MQ, a private CA).
    const planPath = 'tls.ca of the component tip.recovery.rabbitmq names';
    const ca = await readCaBundle(site.ca, planPath);
    let answer: { status: number; text: string };
    try {
      answer = await requestWithCa(new URL(url), {
        headers: { authorization, accept: 'application/json' },
        ca,
        timeoutMs: call.args.requestTimeoutMs,
      });
    } catch (error) {
      const code = untrustedCertificate(error);
      if (code)
        failUntrusted(
          `the management API of ${who} (${site.url})`,
          code,
          error,
          { file: site.ca, planPath },
          'TipUntrustedCertificate',
        );
      return failRetryable(
        `${who} does not answer its management API (${(error as { code?: string }).code ?? (error as Error).message})`,
        UNREACHABLE,
      );
    }
    status = answer.status;
    listed = (() => {
      try {
        return JSON.parse(answer.text) as { name?: unknown }[];
      } catch {
        return undefined;
      }
    })();
  } else {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization, accept: 'application/json' },
        signal: AbortSignal.any([AbortSignal.timeout(call.args.requestTimeoutMs), cancellationSignal()]),
      });
    } catch (error) {
      return failRetryable(
        `${who} does not answer its management API (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`,
        UNREACHABLE,
      );
    }
    status = response.status;
    listed = response.ok
      ? ((await response.json().catch(() => undefined)) as { name?: unknown }[] | undefined)
      : undefined;
  }
  if (status === 401 || status === 403)
    failRetryable(
      `${who} refused the management API credentials of user ${site.username} (${status})`,
      'TipAuthRefused',
    );
  if (status < 200 || status >= 300) failRetryable(`${who}: GET /api/queues answered ${status}`, 'TipUnexpectedAnswer');
  if (!Array.isArray(listed))
    failRetryable(`${who}: GET /api/queues answered without a list of queues`, 'TipUnexpectedAnswer');
  return new Set(listed.map((q) => q.name).filter((name): name is string => typeof name === 'string'));
}

export async function queues(call: RecoveryCall): Promise<Observation> {
  const { serving, siteNames } = call.args;
  const { recovery } = call.recovery;
  const site = call.recovery.rabbitmq?.[serving];
  if (!site)
    failRetryable(
      `${call.who()}: the plan names no rabbitmq component in tip.recovery.rabbitmq`,
      'TipRecoveryUnreadable',
    );
  const data = await graphql(call, serving, 'query DrillConnectorQueues { connectors { id name built_in } }');
  const connectors = (field(call.who(), data, 'connectors', isArray, 'connector list') as Connector[]).filter(
    (c) => c.built_in !== true && typeof c.id === 'string',
  );
  const names = await queueNames(call, serving, site);
  const prefix = recovery.queuePrefix ? `${recovery.queuePrefix}_` : '';
  const missing = connectors.flatMap((c) =>
    [`${prefix}listen_${c.id}`, `${prefix}push_${c.id}`]
      .filter((q) => !names.has(q))
      .map((q) => `${c.name ?? c.id} (${q})`),
  );
  const facts = { connectors: connectors.length, queuesOnRabbitmq: names.size, missing };
  if (missing.length)
    failRetryable(
      `${call.who()}: ${plural(missing.length, 'connector queue')} missing on ${siteNames[serving]}'s RabbitMQ: ${missing.join(', ')}; such a connector stays silent until it registers again (opencti#13763)`,
      'TipQueuesMissing',
      facts,
    );
  return {
    summary: `${call.who()}: every registered connector has its queues on ${siteNames[serving]}'s RabbitMQ (${plural(connectors.length, 'connector')}, ${connectors.length * 2} push and listen queues of ${count(names.size)} in vhost ${site.vhost})`,
    facts,
  };
}

const hours = (ms: number): string =>
  ms >= 2 * 86_400_000
    ? `${(ms / 86_400_000).toFixed(1)} days`
    : ms >= 7_200_000
      ? `${(ms / 3_600_000).toFixed(1)} h`
      : `${Math.round(ms / 60_000)} min`;

async function trimmingOf(call: RecoveryCall): Promise<number> {
  const trimming = call.recovery.recovery.streams?.trimming;
  if (typeof trimming === 'number') return trimming;
  if (!trimming) return failRetryable(`${call.who()}: the plan gives no tip.recovery.streams`, 'TipRecoveryUnreadable');
  const result = await runProcess(trimming.command, {
    cwd: call.workdir,
    timeoutMs: trimming.command.timeout ?? call.args.requestTimeoutMs,
    where: `${call.stepId}.trimming`,
  });
  const printed = result.stdout.trim().split('\n').pop()?.trim() ?? '';
  if (result.exitCode !== 0 || !/^\d+$/.test(printed))
    failRetryable(
      `${call.who()}: the REDIS__TRIMMING command \`${trimming.command.argv.join(' ')}\` ${result.exitCode !== 0 ? `exited ${result.exitCode ?? result.signal}` : `printed ${JSON.stringify(printed.slice(0, 40))}`}, not a number of events`,
      'TipRecoveryUnreadable',
    );
  return Number(printed);
}

export async function streams(call: RecoveryCall): Promise<Observation> {
  const { rtoMs, recovery } = call.recovery;
  const trimming = await trimmingOf(call);
  const perHour = recovery.streams?.eventsPerHour ?? 0;
  if (trimming === 0)
    return {
      summary: `${call.who()}: REDIS__TRIMMING is 0: the stream keeps every event, so stream consumers resume after any outage`,
      facts: { trimming },
    };
  if (rtoMs === undefined)
    failRetryable(
      `${call.who()}: cannot tell whether the stream holds the outage: the plan has no objectives.rto to compare its retention with`,
      'TipRecoveryUnreadable',
      { trimming },
    );
  const retentionMs = (trimming / perHour) * 3_600_000;
  const facts = { trimming, eventsPerHour: perHour, retentionMs: Math.round(retentionMs), rtoMs };
  const said = `the Redis stream keeps ${count(trimming)} events (REDIS__TRIMMING), about ${hours(retentionMs)} at ${count(perHour)} events an hour`;
  if (retentionMs <= rtoMs)
    failRetryable(
      `${call.who()}: ${said}, not longer than the RTO objective of ${hours(rtoMs)}: stream consumers that stopped at the start of such an outage find their position trimmed and must resync`,
      'TipStreamTooShort',
      facts,
    );
  return {
    summary: `${call.who()}: ${said}, longer than the RTO objective of ${hours(rtoMs)}: stream consumers resume where they stopped`,
    facts,
  };
}

const MODULES = 'query DrillManagers { settings { platform_modules { id enable running } } }';

type Module = { id?: string; enable?: boolean; running?: boolean };

async function modulesOf(call: TipCall, role: SiteRole): Promise<Module[]> {
  return field(
    call.who(role),
    await graphql(call, role, MODULES),
    'settings.platform_modules',
    isArray,
    'platform modules (settings.platform_modules)',
  ) as Module[];
}

export async function managers(call: TipCall): Promise<Observation> {
  const { siteNames, planned } = call.args;
  const here = await modulesOf(call, call.args.serving);
  const running = here.filter((m) => m.running === true).map((m) => m.id ?? '?');
  const stopped = here.filter((m) => m.enable === true && m.running !== true).map((m) => m.id ?? '?');
  const facts = { running, stoppedButEnabled: stopped };
  if (running.length === 0)
    failRetryable(
      `${call.who()}: no background manager runs here (${plural(here.length, 'module')} listed)`,
      'TipManagersDown',
      facts,
    );
  if (stopped.length)
    failRetryable(`${call.who()}: enabled managers not running: ${stopped.join(', ')}`, 'TipManagersDown', facts);
  let said: string;
  try {
    const there = (await modulesOf(call, call.other)).filter((m) => m.running === true).map((m) => m.id ?? '?');
    if (there.length)
      failRetryable(
        `${call.who()}: managers run on both sites: ${there.join(', ')} on ${siteNames[call.other]} too, acting on the same data twice`,
        'TipManagersOnTwoSites',
        { ...facts, other: there },
      );
    said = `none on ${siteNames[call.other]}`;
  } catch (error) {
    if (!(error instanceof ApplicationFailure) || error.type === 'TipManagersOnTwoSites') throw error;
    if (error.type !== UNREACHABLE && planned)
      failRetryable(
        `${call.who()}: cannot tell whether managers also run on ${siteNames[call.other]}: ${error.message}`,
        'TipOtherSiteUnreadable',
        facts,
      );
    said =
      error.type === UNREACHABLE
        ? `${siteNames[call.other]} does not answer`
        : `${siteNames[call.other]} unreadable, taken as down in this outage`;
  }
  return {
    summary: `${call.who()}: ${plural(running.length, 'background manager')} run here (${running.join(', ')}); ${said}`,
    facts,
  };
}
