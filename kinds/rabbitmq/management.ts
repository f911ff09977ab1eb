/**
 * One site's RabbitMQ management HTTP API (FIELD-NOTES 9.2-9.3) with the drill account's Basic
 * auth, over http or, for Amazon MQ and any component with a tls block, https verifying the
 * broker's certificate against the plan's CA bundle (FIELD-NOTES 9.5), through the kit's
 * requestWithCa (Node's fetch takes no CA per request).
 */
import { failNonRetryable, failRetryable } from '../kit/activities/failures';
import { readCaBundle, failUntrusted, untrustedCertificate } from '../kit/activities/caBundle';
import { serverLost } from '../kit/activities/clients';
import { requestWithCa } from '../kit/activities/tlsRequest';
import { resolveSecret } from '../kit/activities/secrets';
import type { StepInput } from '../kit/activities/types';
import type { SiteRole } from '../../domain';
import type { RabbitmqAction, RabbitmqArgs } from './actions';

export interface Api {
  get<T>(path: string): Promise<T>;
  /** A health check: 200 `{status: ok}`, 503 with a reason; anything else is an error. */
  check(path: string): Promise<{ ok: boolean; reason?: string; body: unknown }>;
  del(path: string, reason: string): Promise<number>;
  /** POST with a JSON body; answers the status and the parsed body. */
  post<T>(path: string, body: unknown): Promise<{ status: number; body: T }>;
}

/** The plan's CA bundle and where the plan names it, when the component has a tls block. */
export async function caOf(args: RabbitmqArgs): Promise<{ pem: string; file: string; planPath: string } | undefined> {
  if (!args.tls) return undefined;
  const planPath = `components.${args.component}.tls.ca`;
  return { pem: await readCaBundle(args.tls.ca.file, planPath), file: args.tls.ca.file, planPath };
}

export async function managementApi(input: StepInput<RabbitmqAction>, site: SiteRole): Promise<Api> {
  const args = input.step.args;
  const password = await resolveSecret(args.password, `${input.step.id}.password`);
  const ca = await caOf(args);
  const base = args.sites[site].url.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${args.username}:${password}`).toString('base64')}`;
  const where = `${args.component} on ${args.siteNames[site]} (${base})`;
  const server = {
    kind: 'RabbitMQ',
    endpoint: new URL(base).host,
    label: `${args.component} on ${args.siteNames[site]}`,
  };
  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    let response: { status: number; text: string };
    try {
      const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
      response = await requestWithCa(new URL(`${base}${path}`), {
        method,
        headers: { authorization: auth, ...json, ...headers },
        ca: ca?.pem,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const code = untrustedCertificate(error);
      if (code)
        failUntrusted(
          `the management API of ${where}`,
          code,
          error,
          ca && { file: ca.file, planPath: ca.planPath },
          'RabbitmqUntrustedCertificate',
        );
      // No answer came (refused, reset, the peer died mid-request, timed out): the step fails naming the node, retryably.
      throw serverLost(server, error, `${method} ${path}`);
    }
    if (response.status === 401) {
      failNonRetryable(
        `${where} refused the drill account "${args.username}" (401): check the plan's username and password reference; the account needs the administrator or monitoring tag`,
        'RabbitmqAuth',
      );
    }
    return response;
  };
  const json = (response: { status: number; text: string }, what: string): unknown => {
    try {
      return JSON.parse(response.text);
    } catch {
      // An HTML page or a proxy's error where JSON was expected: the check cannot tell, so it fails.
      failRetryable(
        `${where}: ${what} answered HTTP ${response.status} with something that is not JSON (${response.text.slice(0, 80)})`,
        'RabbitmqUnexpectedAnswer',
      );
    }
  };
  return {
    async get<T>(path: string): Promise<T> {
      const response = await call('GET', path);
      const body = json(response, `GET ${path}`);
      if (response.status < 200 || response.status >= 300)
        failRetryable(
          `${where}: GET ${path} answered HTTP ${response.status}: ${JSON.stringify(body).slice(0, 200)}`,
          'RabbitmqUnexpectedAnswer',
        );
      return body as T;
    },
    async check(path: string) {
      const response = await call('GET', path);
      const body = json(response, `GET ${path}`) as { status?: string; reason?: string };
      if (response.status === 200 && body.status === 'ok') return { ok: true, body };
      if (response.status === 503) return { ok: false, reason: body.reason ?? JSON.stringify(body), body };
      failRetryable(
        `${where}: health check ${path} answered HTTP ${response.status}: ${JSON.stringify(body).slice(0, 200)}`,
        'RabbitmqUnexpectedAnswer',
      );
    },
    async del(path: string, reason: string) {
      return (await call('DELETE', path, { 'x-reason': reason })).status;
    },
    async post<T>(path: string, body: unknown) {
      const response = await call('POST', path, {}, body);
      // 204 No Content (a definitions import) has no body to read.
      return { status: response.status, body: (response.text ? json(response, `POST ${path}`) : undefined) as T };
    },
  };
}
