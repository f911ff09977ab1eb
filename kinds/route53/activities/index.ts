/**
 * The Route 53 traffic switch. `route53Switch` is an ensure operation: it looks first and changes
 * only what differs (an UPSERT of a simple record, or the primary health check's Inverted flag for
 * failover records), waits until Route 53 reports the change INSYNC, and reads it back.
 * Endpoint and credentials come from the standard AWS chain (AWS_ENDPOINT_URL_ROUTE_53 in tests).
 */
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  Route53Client,
  UpdateHealthCheckCommand,
  waitUntilResourceRecordSetsChanged,
} from '@aws-sdk/client-route-53';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { cancellationSignal, whileHeartbeating } from '../../kit/activities/heartbeat';
import {
  asFailure,
  dnsAnswer,
  failoverSets,
  healthCheck,
  holds,
  normaliseName,
  READ_BACK_ONLY,
  recordSets,
  sameValues,
  simpleSet,
  valuesOf,
  wantedValues,
  type DnsAnswer,
} from './records';
import type { Observation, StepDriver, StepDrivers, StepInput } from '../../kit/activities/types';
import type { Route53Action, Route53Args } from '../actions';

export function defaultRoute53Client(): Route53Client {
  // Route 53 is global: the region only selects the partition and the signing region.
  return new Route53Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    maxAttempts: 3,
  });
}

const describeSite = (args: Route53Args, site = args.site) => `${args.sites[site].name} (${site})`;

/** A change id from an earlier attempt of this step, so a retry waits for the change it made. */
function earlierChangeId(): string | undefined {
  try {
    const details = Context.current().info.heartbeatDetails as { changeId?: string } | undefined;
    return details?.changeId;
  } catch {
    return undefined;
  }
}

async function waitInsync(client: Route53Client, args: Route53Args, changeId: string): Promise<number> {
  const started = Date.now();
  const pollS = Math.max(1, Math.round(args.pollIntervalMs / 1000));
  await whileHeartbeating(
    waitUntilResourceRecordSetsChanged(
      {
        client,
        maxWaitTime: Math.max(1, Math.round(args.waitTimeoutMs / 1000)),
        minDelay: pollS,
        maxDelay: Math.max(pollS, 30),
        abortSignal: cancellationSignal(),
      },
      { Id: changeId },
    ),
    () => ({ changeId }),
  ).catch((error: Error) => {
    throw ApplicationFailure.retryable(
      `change ${changeId} of ${args.record.name} was not INSYNC within ${Math.round(args.waitTimeoutMs / 1000)}s: ${error.message}`,
      'Route53NotInsync',
    );
  });
  return Date.now() - started;
}

async function ensureSimple(client: Route53Client, input: StepInput, args: Route53Args): Promise<Observation> {
  const site = args.sites[args.site];
  const want = wantedValues(site);
  const before = simpleSet(await recordSets(client, args), args);
  const record = `${args.record.name} ${args.record.type}`;
  // An alias has no TTL of its own (Route 53 answers with the target's); its health evaluation is part of it.
  const pointing =
    before !== undefined &&
    holds(before, site) &&
    (site.alias
      ? Boolean(before.AliasTarget?.EvaluateTargetHealth) === site.alias.evaluateTargetHealth
      : before.TTL === args.record.ttl);
  let changeId = earlierChangeId();
  let submittedAt: string | undefined;
  if (!pointing) {
    const { ChangeInfo } = await client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: args.hostedZoneId,
        ChangeBatch: {
          Comment: `drillbook ${input.drillId} ${input.step.id}`,
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: site.alias
                ? {
                    Name: args.record.name,
                    Type: args.record.type,
                    AliasTarget: {
                      DNSName: site.alias.dnsName,
                      HostedZoneId: site.alias.hostedZoneId,
                      EvaluateTargetHealth: site.alias.evaluateTargetHealth,
                    },
                  }
                : {
                    Name: args.record.name,
                    Type: args.record.type,
                    TTL: args.record.ttl,
                    ResourceRecords: want.map((Value) => ({ Value })),
                  },
            },
          ],
        },
      }),
    );
    changeId = ChangeInfo?.Id;
    submittedAt = ChangeInfo?.SubmittedAt?.toISOString();
  }
  const insyncMs = changeId ? await waitInsync(client, args, changeId) : undefined;
  const after = simpleSet(await recordSets(client, args), args);
  if (!after || !holds(after, site)) {
    throw ApplicationFailure.retryable(
      `${record} reads back ${JSON.stringify(valuesOf(after))} after the change; expected ${JSON.stringify(want)}`,
      'Route53ReadBack',
    );
  }
  const facts = {
    record,
    before: valuesOf(before),
    after: valuesOf(after),
    ttl: after.TTL,
    ...(site.alias ? { alias: after.AliasTarget } : {}),
    changed: !pointing,
    changeId,
    submittedAt,
    insyncMs,
  };
  const summary = pointing
    ? `${record} already pointed at ${describeSite(args)} (${want.join(', ')}); nothing to change`
    : `${record} now points at ${describeSite(args)}: ${valuesOf(before).join(', ') || '(none)'} -> ${want.join(', ')}; change ${changeId} INSYNC after ${insyncMs}ms`;
  return { summary, facts };
}

/** For failover records the drill does not touch the records: Route 53 follows the primary's health. */
async function ensureFailover(client: Route53Client, args: Route53Args): Promise<Observation> {
  const sets = failoverSets(await recordSets(client, args), args);
  const id = args.sites.primary.healthCheckId as string;
  const wantInverted = args.site === 'secondary';
  const before = await healthCheck(client, id);
  if (before.inverted !== wantInverted) {
    await client.send(
      new UpdateHealthCheckCommand({ HealthCheckId: id, Inverted: wantInverted, HealthCheckVersion: before.version }),
    );
  }
  const after = await healthCheck(client, id);
  if (after.inverted !== wantInverted)
    throw ApplicationFailure.retryable(
      `health check ${id} reads back Inverted=${after.inverted} after the update`,
      'Route53ReadBack',
    );
  const answer = await waitForAnswer(client, args, valuesOf(sets[args.site]));
  const facts = {
    record: `${args.record.name} ${args.record.type}`,
    healthCheck: id,
    invertedBefore: before.inverted,
    invertedAfter: after.inverted,
    observations: after.observations,
    dnsAnswer: answer,
  };
  const verb = before.inverted === wantInverted ? 'was already' : 'is now';
  const how = wantInverted
    ? 'inverted, so Route 53 answers with the SECONDARY record'
    : 'restored, so Route 53 answers with the PRIMARY record while it is healthy';
  return {
    summary: `Primary health check ${id} ${verb} ${how} (${describeSite(args)}); ${answer.supported ? `Route 53 answers ${answer.values.join(', ')}` : READ_BACK_ONLY}`,
    facts,
  };
}

/** Route 53's checkers need a few intervals to act on an inversion: poll its answer, bounded by waitTimeout. */
async function waitForAnswer(client: Route53Client, args: Route53Args, want: string[]): Promise<DnsAnswer> {
  const deadline = Date.now() + args.waitTimeoutMs;
  const work = async (): Promise<DnsAnswer> => {
    const maxPolls = Math.ceil(args.waitTimeoutMs / Math.max(args.pollIntervalMs, 1000)) + 1;
    let answer = await dnsAnswer(client, args);
    for (
      let poll = 0;
      poll < maxPolls && answer.supported && !sameValues(answer.values, want) && Date.now() < deadline;
      poll++
    ) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(args.pollIntervalMs, 1000)));
      answer = await dnsAnswer(client, args);
    }
    return answer;
  };
  const answer = await whileHeartbeating(work());
  if (answer.supported && !sameValues(answer.values, want)) {
    throw ApplicationFailure.retryable(
      `Route 53 still answers ${answer.values.join(', ')} for ${args.record.name}; expected ${want.join(', ')}`,
      'Route53NotSwitched',
      { dnsAnswer: answer },
    );
  }
  return answer;
}

async function check(client: Route53Client, args: Route53Args): Promise<Observation> {
  const record = `${args.record.name} ${args.record.type}`;
  const sets = await recordSets(client, args);
  if (args.routing === 'simple') {
    const current = simpleSet(sets, args);
    const want = wantedValues(args.sites[args.site]);
    const facts = {
      record,
      values: valuesOf(current),
      ttl: current?.TTL,
      ...(current?.AliasTarget ? { alias: current.AliasTarget } : {}),
      expected: want,
    };
    if (!current)
      throw ApplicationFailure.retryable(
        `${record} does not exist in zone ${args.hostedZoneId}`,
        'Route53Missing',
        facts,
      );
    if (!holds(current, args.sites[args.site])) {
      const other = args.site === 'primary' ? 'secondary' : 'primary';
      const where = holds(current, args.sites[other]) ? describeSite(args, other) : 'neither site';
      throw ApplicationFailure.retryable(
        `${record} points at ${where} (${valuesOf(current).join(', ')}); expected ${describeSite(args)} (${want.join(', ')})`,
        'Route53Elsewhere',
        facts,
      );
    }
    const how = current.AliasTarget ? `alias to ${want.join(', ')}` : `${want.join(', ')} (TTL ${current.TTL}s)`;
    return { summary: `${record} points at ${describeSite(args)}: ${how}`, facts };
  }
  const found = failoverSets(sets, args);
  const hc = await healthCheck(client, args.sites.primary.healthCheckId as string);
  const answer = await dnsAnswer(client, args);
  const want = valuesOf(found[args.site]);
  const facts = { record, healthCheck: hc, dnsAnswer: answer, expected: want };
  if (hc.inverted !== (args.site === 'secondary')) {
    throw ApplicationFailure.retryable(
      `the primary health check ${hc.id} is ${hc.inverted ? '' : 'not '}inverted, so traffic does not go to ${describeSite(args)}`,
      'Route53Elsewhere',
      facts,
    );
  }
  if (answer.supported && !sameValues(answer.values, want)) {
    throw ApplicationFailure.retryable(
      `Route 53 answers ${answer.values.join(', ')} for ${record}; expected ${want.join(', ')}`,
      'Route53Elsewhere',
      facts,
    );
  }
  const answered = answer.supported ? `Route 53 answers ${answer.values.join(', ')}` : READ_BACK_ONLY;
  return {
    summary: `${record} sends traffic to ${describeSite(args)}: primary health check ${hc.inverted ? 'inverted' : 'not inverted'}; ${answered}`,
    facts,
  };
}

async function preflight(client: Route53Client, args: Route53Args): Promise<Observation> {
  const zone = await client.send(new GetHostedZoneCommand({ Id: args.hostedZoneId }));
  const zoneName = normaliseName(zone.HostedZone?.Name ?? '');
  const name = normaliseName(args.record.name);
  if (name !== zoneName && !name.endsWith(`.${zoneName}`)) {
    throw ApplicationFailure.nonRetryable(
      `${args.record.name} is not in hosted zone ${args.hostedZoneId} (${zoneName})`,
      'Route53Misconfigured',
    );
  }
  const sets = await recordSets(client, args);
  const ttl = args.record.ttl;
  const ttlNote =
    args.rtoMs !== undefined && ttl * 1000 > args.rtoMs
      ? `; TTL ${ttl}s is longer than the RTO objective, so resolvers may keep the old answer past it`
      : '';
  if (args.routing === 'simple') {
    const current = simpleSet(sets, args);
    if (!current)
      throw ApplicationFailure.nonRetryable(
        `${args.record.name} ${args.record.type} does not exist in zone ${zoneName}; create it before the drill`,
        'Route53Missing',
      );
    const planAlias = Boolean(args.sites.primary.alias);
    // The switch moves an alias between targets or values between sites; turning one into the other is a person's change.
    if (planAlias !== Boolean(current.AliasTarget))
      throw ApplicationFailure.nonRetryable(
        `${args.record.name} ${args.record.type} ${current.AliasTarget ? `is an alias to ${current.AliasTarget.DNSName}` : `holds values ${valuesOf(current).join(', ')}`}, but the plan writes ${planAlias ? 'an alias' : 'values'} for it: make the record and components.${args.component}'s sites the same kind (values or alias) before the drill`,
        'Route53Misconfigured',
      );
    return {
      summary: current.AliasTarget
        ? `Zone ${zoneName} holds ${args.record.name} ${args.record.type} as an alias to ${current.AliasTarget.DNSName} (${current.AliasTarget.HostedZoneId}; the target's TTL applies)`
        : `Zone ${zoneName} holds ${args.record.name} ${args.record.type} -> ${valuesOf(current).join(', ')} (TTL ${current.TTL}s)${ttlNote}`,
      facts: {
        zone: zoneName,
        values: valuesOf(current),
        ttl: current.TTL,
        ...(current.AliasTarget ? { alias: current.AliasTarget } : {}),
      },
    };
  }
  const found = failoverSets(sets, args);
  const hc = await healthCheck(client, args.sites.primary.healthCheckId as string);
  if (hc.disabled)
    throw ApplicationFailure.nonRetryable(
      `health check ${hc.id} is disabled: Route 53 then treats the primary as always healthy and cannot fail over`,
      'Route53Misconfigured',
    );
  const facts = {
    zone: zoneName,
    primary: valuesOf(found.primary),
    secondary: valuesOf(found.secondary),
    healthCheck: hc,
  };
  return {
    summary: `Zone ${zoneName} holds PRIMARY ${args.sites.primary.setIdentifier} and SECONDARY ${args.sites.secondary.setIdentifier} for ${args.record.name}; health check ${hc.id} ${hc.inverted ? 'is INVERTED already' : 'is in place'}${ttlNote}`,
    facts,
  };
}

export function createRoute53Activities(deps: { route53?: Route53Client }): StepDrivers<Route53Action> {
  // Built at first use, so workers whose plans have no Route 53 record never need AWS settings.
  let client = deps.route53;
  const use = (): Route53Client => (client ??= defaultRoute53Client());
  const guarded =
    (work: (input: StepInput<Route53Action>, args: Route53Args) => Promise<Observation>): StepDriver<Route53Action> =>
    async (input) => {
      try {
        return await work(input, input.step.args);
      } catch (error) {
        throw asFailure(error, `Route 53 (${input.step.id})`);
      }
    };
  return {
    route53Preflight: guarded((_input, args) => preflight(use(), args)),
    route53Check: guarded((_input, args) => check(use(), args)),
    route53Switch: guarded((input, args) =>
      args.routing === 'failover' ? ensureFailover(use(), args) : ensureSimple(use(), input, args),
    ),
  };
}
