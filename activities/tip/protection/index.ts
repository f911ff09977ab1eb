/**
 * Time to protection: before the failover's first stop the drill plants its test indicator through
 * the TIP's API on the serving site; after the switch it waits until the new site serves it where
 * consumers read it (the platform's export, or the plan's consumer URL); at wrap-up, and on any other
 * ending, it removes it. Each idempotent: planting finds this run's indicator before creating one;
 * removing deletes it on the first site that takes the delete (the other gets it by replication: a
 * delete on both sides of a master-master database would break its replication) and says where it is
 * still seen.
 */
import { ApplicationFailure } from '@temporalio/common';
import { tipCall, type TipCall } from '../context';
import { mentions, testIndicator, type TestIndicator } from './indicator';
import { mispProtection } from './misp';
import { openctiProtection } from './opencti';
import type { ProtectionPlatform } from './platform';
import { threatconnectProtection } from './threatconnect';
import { failRetryable } from '../../../kinds/kit/activities/failures';
import { cancellationSignal } from '../../../kinds/kit/activities/heartbeat';
import type { Observation, StepDriver, StepInput } from '../../../kinds/kit/activities/types';
import { passWithin } from '../../../kinds/kit/activities/within';
import { UNREACHABLE } from '../request';
import { otherSite, type SiteRole, type TipProtectionAction, type TipProtectionArgs } from '../../../domain';

function platformOf(args: TipProtectionArgs): ProtectionPlatform {
  if (args.platform === 'misp') return mispProtection(args.protection.eventId ?? '');
  if (args.platform === 'opencti') return openctiProtection(args.protection.collection ?? '');
  return threatconnectProtection;
}

function callOf(input: StepInput<TipProtectionAction>, workdir: string): TipCall {
  const { args } = input.step;
  return tipCall(
    {
      platform: args.platform,
      check: 'health',
      serving: args.site,
      siteNames: args.siteNames,
      sites: args.sites,
      planned: true,
      thresholds: {},
      requestTimeoutMs: args.requestTimeoutMs,
    },
    input.step.id,
    workdir,
  );
}

async function plant(input: StepInput<TipProtectionAction>, workdir: string): Promise<Observation> {
  const call = callOf(input, workdir);
  const platform = platformOf(input.step.args);
  const indicator = testIndicator(input);
  const site = input.step.args.site;
  const found = await platform.find(call, site, indicator);
  const id = found[0] ?? (await platform.create(call, site, indicator));
  const how = found.length ? 'found already planted (an earlier attempt of this step)' : 'planted';
  return {
    summary: `${call.who(site)}: ${how} the test indicator ${indicator.ip} (id ${id}), labelled ${indicator.key}`,
    facts: { ip: indicator.ip, id, key: indicator.key },
  };
}

/** A consumer's feed: any answer that names the address (a text list, CSV, JSON). */
async function consumerServes(call: TipCall, url: string, indicator: TestIndicator): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.any([AbortSignal.timeout(call.args.requestTimeoutMs), cancellationSignal()]),
    });
  } catch (error) {
    return failRetryable(
      `the consumer URL ${new URL(url).host} does not answer (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`,
      UNREACHABLE,
    );
  }
  if (!response.ok) failRetryable(`the consumer URL ${new URL(url).host} answered ${response.status}`, 'TipUnhealthy');
  return mentions(await response.text(), indicator.ip);
}

async function served(input: StepInput<TipProtectionAction>, workdir: string): Promise<Observation> {
  const call = callOf(input, workdir);
  const { site, protection } = input.step.args;
  const platform = platformOf(input.step.args);
  const indicator = testIndicator(input);
  const consumer = protection.consumer?.[site];
  return passWithin(protection.within, `${call.who(site)}: the test indicator`, async () => {
    const seen = consumer
      ? {
          served: await consumerServes(call, consumer, indicator),
          where: `the consumer URL ${new URL(consumer).host}${new URL(consumer).pathname}`,
        }
      : await platform.served(call, site, indicator);
    if (!seen.served)
      failRetryable(
        `${call.who(site)}: the test indicator ${indicator.ip} (${indicator.key}) is not served in ${seen.where} yet`,
        'TipNotProtected',
        { ip: indicator.ip },
      );
    return {
      summary: `${call.who(site)}: serves the test indicator ${indicator.ip} in ${seen.where}: consumers are protected again`,
      facts: { ip: indicator.ip, key: indicator.key, where: seen.where },
    };
  });
}

type SiteResult = { removed: number } | { seen: number } | { unreachable: string } | { refused: string };

async function remove(input: StepInput<TipProtectionAction>, workdir: string): Promise<Observation> {
  const call = callOf(input, workdir);
  const platform = platformOf(input.step.args);
  const indicator = testIndicator(input);
  const { siteNames } = input.step.args;
  const order: SiteRole[] = [input.step.args.site, otherSite(input.step.args.site)];
  const results: Partial<Record<SiteRole, SiteResult>> = {};
  let deleted = false;
  for (const role of order) {
    try {
      const ids = await platform.find(call, role, indicator);
      if (deleted || ids.length === 0) {
        results[role] = deleted ? { seen: ids.length } : { removed: 0 };
        continue;
      }
      for (const id of ids) await platform.remove(call, role, id);
      results[role] = { removed: ids.length };
      deleted = true;
    } catch (error) {
      if (!(error instanceof ApplicationFailure)) throw error;
      results[role] = error.type === UNREACHABLE ? { unreachable: 'does not answer' } : { refused: error.message };
    }
  }
  const said = order.map((role) => {
    const r = results[role];
    if (!r) return `${siteNames[role]} not asked`;
    if ('removed' in r) return r.removed ? `deleted on ${siteNames[role]}` : `none on ${siteNames[role]}`;
    if ('seen' in r)
      return r.seen
        ? `${siteNames[role]} still shows it until replication carries the delete`
        : `gone from ${siteNames[role]}`;
    return 'unreachable' in r ? `${siteNames[role]} does not answer` : `${siteNames[role]} refused: ${r.refused}`;
  });
  const facts = {
    ip: indicator.ip,
    key: indicator.key,
    sites: Object.fromEntries(order.map((role) => [siteNames[role], results[role]])),
  };
  const read = order.filter((role) => {
    const r = results[role];
    return r !== undefined && ('removed' in r || 'seen' in r);
  });
  if (read.length === 0)
    failRetryable(
      `${call.who()}: could not remove the test indicator ${indicator.ip} (${indicator.key}): ${said.join('; ')}`,
      'TipIndicatorNotRemoved',
      facts,
    );
  const refusedWhileThere =
    order.some((role) => {
      const r = results[role];
      return r !== undefined && 'refused' in r;
    }) &&
    !deleted &&
    read.length < order.length;
  if (refusedWhileThere)
    failRetryable(
      `${call.who()}: could not tell whether the test indicator ${indicator.ip} is gone: ${said.join('; ')}`,
      'TipIndicatorNotRemoved',
      facts,
    );
  return {
    summary: `${call.who()}: removed the test indicator ${indicator.ip} (${indicator.key}): ${said.join('; ')}`,
    facts,
  };
}

export function createTipProtectionActivities(deps: { workdir: string }): {
  [A in TipProtectionAction]: StepDriver<A>;
} {
  return {
    tipProtectionPlant: (input) => plant(input, deps.workdir),
    tipProtectionServed: (input) => served(input, deps.workdir),
    tipProtectionRemove: (input) => remove(input, deps.workdir),
  };
}
