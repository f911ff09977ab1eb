/**
 * One request to a TIP's API, failing closed: a site that does not answer, refuses the credentials
 * (401/403, or a redirect to a sign-in page), answers an HTML page where JSON was expected, or
 * answers JSON that does not parse is a failure naming the platform, the site and the cause; never
 * a pass. Secrets (keys in a query string, tokens) are redacted from every message.
 */
import { cancellationSignal } from '../../kinds/kit/activities/heartbeat';
import { failNonRetryable, failRetryable } from '../../kinds/kit/activities/failures';
import { redact } from '../../kinds/kit/activities/secrets';

export interface TipEndpoint {
  /** "OpenCTI on lab-fra": how every message starts. */
  who: string;
  baseUrl: string;
  timeoutMs: number;
  /** Values never to show. */
  secrets: string[];
}

export interface TipRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, appended to the base URL. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** What a good answer is: JSON, or text such as CSV (an HTML page is neither). */
  expect: 'json' | 'text';
  /**
   * What a status means on this endpoint when the platform says more than the generic reading (a
   * 403 on a site-admin-only path, a 404 on a path a release lacks): a misconfiguration retries
   * cannot mend, so it fails non-retryable with this message. Undefined keeps the generic reading.
   */
  explain?: (status: number, body: string) => { message: string; type: string } | undefined;
}

export interface TipResponse {
  status: number;
  headers: Headers;
  text: string;
  json?: unknown;
  durationMs: number;
}

/** The site did not answer at all (refused, timed out): callers reading "the other site" may accept that. */
export const UNREACHABLE = 'TipUnreachable';

export async function tipFetch(endpoint: TipEndpoint, request: TipRequest): Promise<TipResponse> {
  const shown = redact(`${request.method} ${request.path.split('?')[0]}`, endpoint.secrets);
  const started = Date.now();
  let response: Response;
  try {
    const signal = AbortSignal.any([AbortSignal.timeout(endpoint.timeoutMs), cancellationSignal()]);
    response = await fetch(endpoint.baseUrl + request.path, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'manual',
    });
  } catch (error) {
    const cause =
      (error as { cause?: { code?: string } }).cause?.code ??
      ((error as Error).name === 'TimeoutError'
        ? `no answer within ${Math.round(endpoint.timeoutMs / 1000)} s`
        : (error as Error).message);
    return failRetryable(`${endpoint.who} does not answer ${shown} (${redact(cause, endpoint.secrets)})`, UNREACHABLE, {
      baseUrl: endpoint.baseUrl,
    });
  }
  const text = await response.text();
  const durationMs = Date.now() - started;
  const facts = { request: shown, status: response.status, body: redact(text.slice(0, 300), endpoint.secrets) };
  const type = response.headers.get('content-type') ?? '';
  const explained = response.status >= 300 ? request.explain?.(response.status, text) : undefined;
  if (explained)
    failNonRetryable(`${endpoint.who}: ${redact(explained.message, endpoint.secrets)}`, explained.type, facts);
  if (response.status === 401 || response.status === 403) {
    failNonRetryable(
      `${endpoint.who} refused the API credentials: ${shown} answered ${response.status} (wrong key or token, or the API user lacks the permission)`,
      'TipAuthRefused',
      facts,
    );
  }
  if (response.status >= 300 && response.status < 400) {
    failNonRetryable(
      `${endpoint.who} redirected ${shown} to ${redact(response.headers.get('location') ?? '?', endpoint.secrets)} (a sign-in page): the API credentials were not accepted`,
      'TipAuthRefused',
      facts,
    );
  }
  if (/text\/html/i.test(type) || /^\s*<(!doctype|html)/i.test(text)) {
    failNonRetryable(
      `${endpoint.who} answered ${shown} with an HTML page (${titleOf(text)}) where the API was expected: a sign-in page or a proxy in front of the API`,
      'TipNotApi',
      facts,
    );
  }
  if (response.status < 200 || response.status >= 300) {
    failRetryable(
      `${endpoint.who}: ${shown} answered ${response.status}${text ? `: ${redact(text.slice(0, 200), endpoint.secrets)}` : ''}`,
      'TipUnhealthy',
      facts,
    );
  }
  if (request.expect === 'text') return { status: response.status, headers: response.headers, text, durationMs };
  try {
    return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as unknown, durationMs };
  } catch {
    return failRetryable(
      `${endpoint.who}: ${shown} answered ${response.status} with a body that is not JSON (${JSON.stringify(text.slice(0, 80))})`,
      'TipNotApi',
      facts,
    );
  }
}

function titleOf(html: string): string {
  const title = /<title>([^<]{0,80})<\/title>/i.exec(html)?.[1]?.trim();
  return title ? `"${title}"` : 'untitled';
}

/** Reads a field a check relies on; an answer without it is an answer the check cannot read, never a pass. */
export function field<T>(who: string, value: unknown, path: string, is: (v: unknown) => v is T, what: string): T {
  const found = path
    .split('.')
    .reduce<unknown>(
      (at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined),
      value,
    );
  if (!is(found))
    failRetryable(
      `${who}: the answer has no ${what} at ${path} (got ${JSON.stringify(found)?.slice(0, 80) ?? 'nothing'})`,
      'TipUnexpectedAnswer',
    );
  return found;
}

export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
export const isString = (v: unknown): v is string => typeof v === 'string';
