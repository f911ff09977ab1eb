/** The `http` driver: is a service answering as expected (or, after a switch, not answering at all)? */
import { ApplicationFailure } from '@temporalio/common';
import { cancellationSignal } from './heartbeat';
import { redact, resolveValues } from './secrets';
import { passWithin } from './within';
import type { Observation, StepInput } from './types';
import type { HttpDriver } from '../domain';

const DEFAULT_TIMEOUT_MS = 10_000;
const BODY_KEEP = 500;

export interface HttpProbe {
  reachable: boolean;
  status?: number;
  body?: string;
  error?: string;
  durationMs: number;
}

export async function probe(http: HttpDriver, where: string): Promise<HttpProbe> {
  const { resolved: headers, secrets } = await resolveValues(http.headers, `${where}.headers`);
  const started = Date.now();
  const signal = AbortSignal.any([AbortSignal.timeout(http.timeout ?? DEFAULT_TIMEOUT_MS), cancellationSignal()]);
  try {
    const response = await fetch(http.url, { method: http.method, headers, signal, redirect: 'manual' });
    const body = http.method === 'HEAD' ? '' : await response.text();
    return { reachable: true, status: response.status, body: redact(body, secrets), durationMs: Date.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = (error as Error).name;
    return { reachable: false, error: cause ?? (name === 'TimeoutError' ? 'timeout' : (error as Error).message), durationMs: Date.now() - started };
  }
}

export function createHttpActivities() {
  return {
    async checkHttp(input: StepInput<'checkHttp'>): Promise<Observation> {
      const { http } = input.step.args;
      return passWithin(http.within, `${http.url} to answer as expected`, () => checkOnce(input));
    },
  };
}

async function checkOnce(input: StepInput<'checkHttp'>): Promise<Observation> {
  const { http } = input.step.args;
  const expect = input.step.args.expect ?? 'up';
  const seen = await probe(http, input.step.id);
  const facts = { url: http.url, expect, ...seen, body: seen.body?.slice(0, BODY_KEEP) };
  const statusOk = seen.reachable && http.expectStatus.includes(seen.status as number);
  const bodyOk = !http.bodyMatch || new RegExp(http.bodyMatch).test(seen.body ?? '');
  const answered = seen.reachable ? `answered ${seen.status}` : `did not answer (${seen.error})`;
  if (expect === 'down') {
    if (statusOk && bodyOk) throw ApplicationFailure.retryable(`${http.url} still answers ${seen.status}: the old side is serving`, 'StillServing', facts);
    return { summary: `${http.url} ${answered}, as expected after the switch`, facts };
  }
  if (!statusOk) {
    throw ApplicationFailure.retryable(`${http.url} ${answered}; expected ${http.expectStatus.join(' or ')}`, 'Unhealthy', facts);
  }
  if (!bodyOk) throw ApplicationFailure.retryable(`${http.url} answered ${seen.status} but the body does not match /${http.bodyMatch}/`, 'Unhealthy', facts);
  return { summary: `${http.url} answered ${seen.status} in ${seen.durationMs}ms`, facts };
}
