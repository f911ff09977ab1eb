/** URLs a plan points the worker at: http(s) with a host, never credentials written into them. */
import { z } from 'zod';
import { SECRET_NAMES } from './secrets';

/** A credential written into a URL: the password after the user, or a query parameter named like one. */
export type UrlCredential = { kind: 'password' } | { kind: 'query'; name: string };

export const describeUrlCredential = (found: UrlCredential): string =>
  found.kind === 'password' ? 'a password after the user name (user:password@)' : `the query parameter ${found.name}`;

/**
 * The credentials written into a URL (`https://user:pw@host`, `redis://:pw@host`, `?health_access_key=…`,
 * `?token=…`). `isReference` says which values are not the secret itself (in a command line, `$VAR`
 * that a shell expands where the command runs).
 */
export function urlCredentials(url: URL, isReference: (value: string) => boolean = () => false): UrlCredential[] {
  const found: UrlCredential[] = [];
  const password = decodeURIComponent(url.password);
  if (password && !isReference(password)) found.push({ kind: 'password' });
  for (const [name, value] of url.searchParams) {
    if (value && SECRET_NAMES.query.test(name) && !isReference(value)) found.push({ kind: 'query', name });
  }
  return found;
}

/** Where a plan's URL field sends a credential instead, said in a refusal. */
const INSTEAD = {
  /** The http driver takes query parameters as references. */
  http: (found: UrlCredential) =>
    found.kind === 'query'
      ? `write the URL without it and the parameter under the check's query: { ${found.name}: { env: VAR } } (or { file: PATH }); the worker adds it when the check runs and keeps it out of the history and the report`
      : 'send it as a header written { env: VAR } or { file: PATH } (headers: { Authorization: { file: PATH } })',
  /** Other URL fields (a management API, a cluster, an endpoint): the component's own credential fields. */
  component: () =>
    'give it in the credential fields beside this URL (password, token, key, healthKey) as { env: VAR } or { file: PATH }',
} as const;

/**
 * `localhost:9200/x` parses as a URL of scheme "localhost:", and `file:///etc/x` as one without a
 * host, so a bare `z.url()` lets both through to fail at the first step of a drill; refuse them here.
 * A credential in the URL is refused with what to write instead (`instead`: the http driver's
 * `query` references, or the component's own credential fields).
 */
export function httpUrl(
  example = 'https://tip.example.org/api/health',
  of = '',
  instead: keyof typeof INSTEAD = 'component',
) {
  const expected = `expected an absolute http(s) URL${of ? ` ${of}` : ''} with a host, such as ${example}`;
  return z.string({ error: expected }).superRefine((text, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname) {
      ctx.addIssue({ code: 'custom', message: `${expected}; got "${text}"` });
      return;
    }
    refuseUrlCredentials(url, ctx, instead);
  });
}

/** Adds a refusal for each credential written into a URL, saying what to write instead. */
export function refuseUrlCredentials(
  url: URL,
  ctx: z.RefinementCtx,
  instead: keyof typeof INSTEAD = 'component',
): void {
  for (const found of urlCredentials(url)) {
    ctx.addIssue({
      code: 'custom',
      message: `credentials in a URL are secrets kept in the drill's history, and this one has ${describeUrlCredential(found)}: ${INSTEAD[instead](found)}`,
    });
  }
}
