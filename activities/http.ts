/** The `http` driver: is a service answering as expected (or, after a switch, not answering at all)? */
import { ApplicationFailure } from '@temporalio/common';
import { cancellationSignal } from '../kinds/kit/activities/heartbeat';
import { checkJson } from './jsonExpect';
import { isSecretRef, redact, resolveValues } from '../kinds/kit/activities/secrets';
import { passWithin } from '../kinds/kit/activities/within';
import type { Observation, StepInput } from '../kinds/kit/activities/types';
import type { HttpDriver } from '../domain';

const DEFAULT_TIMEOUT_MS = 10_000;
const BODY_KEEP = 500;

export interface HttpProbe {
  reachable: boolean;
  status?: number;
  body?: string;
  contentType?: string;
  error?: string;
  durationMs: number;
}

/** The request's body and the headers it implies, unless the plan set them: a string as text, anything else as JSON. */
function requestOf(
  http: HttpDriver,
  headers: Record<string, string>,
): { body?: string; headers: Record<string, string> } {
  const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  const implied: Record<string, string> = {};
  if (http.expectJson && !has('accept')) implied.Accept = 'application/json';
  if (http.body === undefined) return { headers: { ...implied, ...headers } };
  const text = typeof http.body === 'string';
  if (!has('content-type')) implied['Content-Type'] = text ? 'text/plain; charset=utf-8' : 'application/json';
  return { body: text ? (http.body as string) : JSON.stringify(http.body), headers: { ...implied, ...headers } };
}

/** The URL as a person reads it in an observation: the plan's query added, each credential as ***. */
export function shownUrl(http: Pick<HttpDriver, 'url' | 'query'>): string {
  if (!http.query || Object.keys(http.query).length === 0) return http.url;
  const url = new URL(http.url);
  for (const [name, value] of Object.entries(http.query))
    url.searchParams.set(name, isSecretRef(value) ? '***' : value);
  return url.toString();
}

/**
 * The URL the request goes to, with the plan's query resolved, and the secrets it carries in every
 * form a server may echo them (as written and URL-encoded), for redaction.
 */
export async function requestUrl(
  http: Pick<HttpDriver, 'url' | 'query'>,
  where: string,
): Promise<{ url: string; secrets: string[] }> {
  if (!http.query || Object.keys(http.query).length === 0) return { url: http.url, secrets: [] };
  const { resolved, secrets } = await resolveValues(http.query, `${where}.query`);
  const url = new URL(http.url);
  for (const [name, value] of Object.entries(resolved)) url.searchParams.set(name, value);
  const encoded = secrets.flatMap((secret) => [
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
  ]);
  return { url: url.toString(), secrets: [...new Set([...secrets, ...encoded])] };
}

export async function probe(http: HttpDriver, where: string): Promise<HttpProbe> {
  const { resolved: headers, secrets: headerSecrets } = await resolveValues(http.headers, `${where}.headers`);
  const target = await requestUrl(http, where);
  const secrets = [...headerSecrets, ...target.secrets];
  const started = Date.now();
  const signal = AbortSignal.any([AbortSignal.timeout(http.timeout ?? DEFAULT_TIMEOUT_MS), cancellationSignal()]);
  try {
    const request = requestOf(http, headers);
    const response = await fetch(target.url, {
      method: http.method,
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'manual',
    });
    const body = http.method === 'HEAD' ? '' : await response.text();
    const contentType = response.headers.get('content-type') ?? undefined;
    return {
      reachable: true,
      status: response.status,
      body: redact(body, secrets),
      contentType,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = (error as Error).name;
    // An error's message may quote the URL it was asked for, key and all.
    return {
      reachable: false,
      error: redact(cause ?? (name === 'TimeoutError' ? 'timeout' : (error as Error).message), secrets),
      durationMs: Date.now() - started,
    };
  }
}

export function createHttpActivities() {
  return {
    async checkHttp(input: StepInput<'checkHttp'>): Promise<Observation> {
      const { http } = input.step.args;
      return passWithin(http.within, `${shownUrl(http)} to answer as expected`, () => checkOnce(input));
    },
  };
}

async function checkOnce(input: StepInput<'checkHttp'>): Promise<Observation> {
  const { http } = input.step.args;
  const expect = input.step.args.expect ?? 'up';
  const seen = await probe(http, input.step.id);
  const url = shownUrl(http);
  const facts = { url, expect, ...seen, body: seen.body?.slice(0, BODY_KEEP) };
  const statusOk = seen.reachable && http.expectStatus.includes(seen.status as number);
  const bodyOk = !http.bodyMatch || new RegExp(http.bodyMatch).test(seen.body ?? '');
  const json = http.expectJson && statusOk ? checkJson(seen.body ?? '', seen.contentType, http.expectJson) : undefined;
  const answered = seen.reachable ? `answered ${seen.status}` : `did not answer (${seen.error})`;
  if (expect === 'down') {
    if (statusOk && bodyOk && json?.ok !== false)
      throw ApplicationFailure.retryable(
        `${url} still answers ${seen.status}: the old side is serving`,
        'StillServing',
        facts,
      );
    return { summary: `${url} ${answered}, as expected after the switch`, facts };
  }
  if (!statusOk) {
    throw ApplicationFailure.retryable(
      `${url} ${answered}; expected ${http.expectStatus.join(' or ')}`,
      'Unhealthy',
      facts,
    );
  }
  if (!bodyOk)
    throw ApplicationFailure.retryable(
      `${url} answered ${seen.status} but the body does not match /${http.bodyMatch}/`,
      'Unhealthy',
      facts,
    );
  if (json && !json.ok)
    throw ApplicationFailure.retryable(`${url} answered ${seen.status} but ${json.why}`, 'Unhealthy', facts);
  return {
    summary: `${url} answered ${seen.status} in ${seen.durationMs}ms${json?.ok ? `: ${json.seen}` : ''}`,
    facts,
  };
}
