/**
 * Reading Route 53 the way a drill needs it: the record sets of one name and type, compared by
 * value, what the primary's health check says, and (unless the plan says it cannot be tested there)
 * what Route 53 would answer right now.
 */
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  TestDNSAnswerCommand,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { ApplicationFailure } from '@temporalio/common';
import type { Route53Args } from '../actions';
import type { Route53Alias } from '../types';

/** A name or type with more sets than this is not one a drill switches; stops the paging loop. */
const MAX_PAGES = 5;

/** Route 53 lower-cases names, adds the final dot and escapes `*` as \052. */
export const normaliseName = (name: string): string => {
  const lower = name.replace(/\\052/g, '*').toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
};

/** Values compared as a set; a CNAME target with or without its final dot is the same target. */
export function sameValues(a: readonly string[], b: readonly string[]): boolean {
  const norm = (values: readonly string[]) =>
    [...new Set(values.map((v) => v.trim().toLowerCase().replace(/\.$/, '')))].sort().join(' ');
  return norm(a) === norm(b);
}

export const valuesOf = (set: ResourceRecordSet | undefined): string[] =>
  set?.AliasTarget?.DNSName ? [set.AliasTarget.DNSName] : (set?.ResourceRecords ?? []).map((r) => r.Value ?? '');

/** A hosted zone id as Route 53 gives it back (`/hostedzone/Z…` or `Z…`), bare. */
const bareZone = (id: string | undefined): string => (id ?? '').replace(/^\/hostedzone\//, '');

/** An alias set whose target is this one: its DNS name (case and final dot aside) in the same target zone. */
export function aliasTo(set: ResourceRecordSet | undefined, alias: Route53Alias): boolean {
  const target = set?.AliasTarget;
  return (
    target !== undefined &&
    sameValues([target.DNSName ?? ''], [alias.dnsName]) &&
    bareZone(target.HostedZoneId) === bareZone(alias.hostedZoneId)
  );
}

type SiteRecord = Route53Args['sites'][keyof Route53Args['sites']];

/** What a site's record reads as: its values, or its alias target's DNS name. */
export const wantedValues = (site: SiteRecord): string[] => (site.alias ? [site.alias.dnsName] : (site.values ?? []));

/** Whether the record holds what the site needs: its alias target, or exactly its values (and is no alias). */
export const holds = (set: ResourceRecordSet | undefined, site: SiteRecord): boolean =>
  site.alias
    ? aliasTo(set, site.alias)
    : set?.AliasTarget === undefined && sameValues(valuesOf(set), site.values ?? []);

export async function recordSets(client: Route53Client, args: Route53Args): Promise<ResourceRecordSet[]> {
  const name = normaliseName(args.record.name);
  const found: ResourceRecordSet[] = [];
  let start: { name?: string; type?: string; identifier?: string } = { name, type: args.record.type };
  for (let page = 0; page < MAX_PAGES; page++) {
    const listed = await client.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: args.hostedZoneId,
        StartRecordName: start.name,
        StartRecordType: start.type as ResourceRecordSet['Type'],
        StartRecordIdentifier: start.identifier,
        MaxItems: 10,
      }),
    );
    // The list starts AT name/type and runs on through the zone: keep only exact matches.
    const sets = listed.ResourceRecordSets ?? [];
    const matching = sets.filter((s) => normaliseName(s.Name ?? '') === name && s.Type === args.record.type);
    found.push(...matching);
    if (!listed.IsTruncated || matching.length < sets.length) break;
    start = { name: listed.NextRecordName, type: listed.NextRecordType, identifier: listed.NextRecordIdentifier };
  }
  return found;
}

/** The simple record (no set identifier); refuses a name that holds routing-policy sets instead. */
export function simpleSet(sets: ResourceRecordSet[], args: Route53Args): ResourceRecordSet | undefined {
  const routed = sets.filter((s) => s.SetIdentifier);
  if (routed.length) {
    throw ApplicationFailure.nonRetryable(
      `${args.record.name} ${args.record.type} holds routing-policy record sets (${routed.map((s) => s.SetIdentifier).join(', ')}); set routing: failover in the plan`,
      'Route53Misconfigured',
    );
  }
  return sets[0];
}

export interface FailoverSets {
  primary: ResourceRecordSet;
  secondary: ResourceRecordSet;
}

export function failoverSets(sets: ResourceRecordSet[], args: Route53Args): FailoverSets {
  const find = (role: 'primary' | 'secondary'): ResourceRecordSet => {
    const id = args.sites[role].setIdentifier;
    const set = sets.find((s) => s.SetIdentifier === id);
    const expected = role === 'primary' ? 'PRIMARY' : 'SECONDARY';
    if (!set)
      throw ApplicationFailure.nonRetryable(
        `${args.record.name} ${args.record.type} has no record set "${id}" (the plan's ${role})`,
        'Route53Misconfigured',
      );
    if (set.Failover !== expected)
      throw ApplicationFailure.nonRetryable(
        `record set "${id}" of ${args.record.name} is ${set.Failover ?? 'not a failover record'}, expected ${expected}`,
        'Route53Misconfigured',
      );
    return set;
  };
  const found = { primary: find('primary'), secondary: find('secondary') };
  const planned = args.sites.primary.healthCheckId;
  if (found.primary.HealthCheckId !== planned) {
    throw ApplicationFailure.nonRetryable(
      `the PRIMARY record of ${args.record.name} uses health check ${found.primary.HealthCheckId ?? '(none)'}, the plan names ${planned}`,
      'Route53Misconfigured',
    );
  }
  return found;
}

export interface HealthCheckState {
  id: string;
  inverted: boolean;
  disabled: boolean;
  version: number;
  /** What Route 53's checkers last reported, e.g. { Success: 15, Failure: 3 }. */
  observations?: Record<string, number>;
}

export async function healthCheck(client: Route53Client, id: string): Promise<HealthCheckState> {
  const { HealthCheck } = await client.send(new GetHealthCheckCommand({ HealthCheckId: id }));
  const config = HealthCheck?.HealthCheckConfig;
  const state: HealthCheckState = {
    id,
    inverted: Boolean(config?.Inverted),
    disabled: Boolean(config?.Disabled),
    version: HealthCheck?.HealthCheckVersion ?? 1,
  };
  try {
    const status = await client.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }));
    const counts: Record<string, number> = {};
    for (const o of status.HealthCheckObservations ?? []) {
      const verdict = (o.StatusReport?.Status ?? 'Unknown').split(':')[0];
      counts[verdict] = (counts[verdict] ?? 0) + 1;
    }
    state.observations = counts;
  } catch {
    // Calculated and CloudWatch health checks have no checker observations: the config is what counts.
  }
  return state;
}

export type DnsAnswer = { supported: true; values: string[]; code?: string } | { supported: false; reason: string };

/** How an endpoint says it does not offer an operation at all (moto answers TestDNSAnswer with an HTML 404 page). */
const NOT_OFFERED = new Set(['UnknownOperationException', 'UnknownOperation', 'NotImplemented', 'InvalidAction']);

/** The sentence a check gives when the plan said Route 53's answer cannot be tested where the drill runs. */
export const READ_BACK_ONLY =
  "the record and health-check read-back is the only evidence (the plan says Route 53's answer cannot be tested here: answerTest: unavailable)";

/**
 * What Route 53 answers now (TestDNSAnswer). Only the plan can say the answer cannot be tested
 * there (`answerTest: unavailable`): then the test is not asked and the drill relies on the record
 * and health-check read-back, saying so. Otherwise everything that stops the answer being read
 * fails the check: an endpoint that does not offer the operation (HTTP 404) is a plan to fix, a
 * throttle, a 5xx or a network error is retried and then decided by an operator. A check that could
 * not tell never passes.
 */
export async function dnsAnswer(client: Route53Client, args: Route53Args): Promise<DnsAnswer> {
  if (args.answerTest === 'unavailable') return { supported: false, reason: 'answerTest: unavailable in the plan' };
  try {
    const answer = await client.send(
      new TestDNSAnswerCommand({
        HostedZoneId: args.hostedZoneId,
        RecordName: args.record.name,
        RecordType: args.record.type,
      }),
    );
    return { supported: true, values: answer.RecordData ?? [], code: answer.ResponseCode };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (error as Error).name;
    // A real zone error (NoSuchHostedZone…) is a real problem for a person to fix.
    if (name.startsWith('NoSuch') || name === 'InvalidInput' || name === 'AccessDenied') throw error;
    if (NOT_OFFERED.has(name) || status === 404) {
      throw ApplicationFailure.nonRetryable(
        `Route 53's answer for ${args.record.name} could not be tested: this endpoint answers TestDNSAnswer with ${[status && `HTTP ${status}`, !['Error', 'UnknownError'].includes(name) && name].filter(Boolean).join(' ')}, so the switch is not verified. ` +
          `If the answer cannot be tested where the drill runs, say so with components.${args.component}.answerTest: unavailable (the record and health-check read-back are then the only evidence)`,
        'Route53AnswerUntestable',
      );
    }
    throw ApplicationFailure.retryable(
      `could not read Route 53's answer for ${args.record.name} (${name}${status ? `, HTTP ${status}` : ''}: ${(error as Error).message}); the switch is not verified`,
      'Route53AnswerUnverified',
    );
  }
}

/** Turns AWS errors a person must fix into non-retryable failures with a sentence they can act on. */
export function asFailure(error: unknown, where: string): Error {
  if (error instanceof ApplicationFailure) return error;
  const name = (error as Error).name ?? 'Error';
  const message = `${where}: ${(error as Error).message}`;
  const fixable = [
    'CredentialsProviderError',
    'NoSuchHostedZone',
    'NoSuchHealthCheck',
    'AccessDenied',
    'AccessDeniedException',
    'InvalidInput',
    'InvalidChangeBatch',
    'InvalidClientTokenId',
    'SignatureDoesNotMatch',
  ];
  if (fixable.includes(name)) return ApplicationFailure.nonRetryable(message, name);
  return ApplicationFailure.retryable(message, name);
}
