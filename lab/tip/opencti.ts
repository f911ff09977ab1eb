/**
 * The OpenCTI personality: `GET /health?health_access_key=…` and GraphQL at `POST /graphql` with a
 * bearer token. It answers the root fields the drill asks for (about, indicators, connectors) from
 * the site's database; a wrong token gets OpenCTI's AUTH_REQUIRED error with HTTP 200, as OpenCTI
 * answers. Its one connector pings with each job run, so it goes stale where jobs do not run.
 * What differs by release (where the heartbeat lives, whether `about` needs a token) is asked of
 * its release (versions.ts).
 */
import { header, type ApiContext, type ApiHandler, type ApiReply, type ApiRequest } from './personality';
import { releaseOf, type OpenctiRelease } from './versions';

/** OpenCTI's `active`: a heartbeat within the last 5 minutes on every release (completeConnector; connector-liveness.ts 300 s). */
const ACTIVE_MS = 5 * 60_000;

/** When the stand-in's connector registered: on the Redis-heartbeat release its updated_at stays here (a ping no longer moves it). */
const REGISTERED_BEFORE_START_MS = 3 * 3_600_000;

/** The connector as the release reports it: `active` from the last ping, updated_at the ping (6.x) or the registration (Redis heartbeat). */
function connector(context: ApiContext, release: OpenctiRelease): Record<string, unknown> {
  // Where jobs do not run, the connector has not pinged this platform: its last ping is older than
  // the platform (as in a site restored from the other's data), so it is not active.
  const ping = context.lastJobRunAt() ?? (context.monitorsEnabled ? context.startedAt : undefined);
  const active = ping !== undefined && Date.now() - ping.getTime() < ACTIVE_MS;
  const updatedAt =
    release.heartbeat === 'redis'
      ? new Date(context.startedAt.getTime() - REGISTERED_BEFORE_START_MS)
      : (ping ?? new Date(context.startedAt.getTime() - ACTIVE_MS));
  return {
    id: 'connector-import-file-stix',
    name: 'ImportFileStix',
    connector_type: 'INTERNAL_IMPORT_FILE',
    active,
    auto: true,
    updated_at: updatedAt.toISOString(),
    connector_state: null,
    built_in: false,
  };
}

const graphqlError = (message: string, code: string): ApiReply => ({
  status: 200,
  body: { errors: [{ message, extensions: { code } }], data: null },
});

/**
 * The root fields the drill asks for. Signed out, every field needs auth except `about` on a release
 * whose schema has no @auth on it: GraphQL answers the rest with AUTH_REQUIRED errors beside the data.
 */
async function query(context: ApiContext, release: OpenctiRelease, text: string, signedIn: boolean): Promise<ApiReply> {
  const data: Record<string, unknown> = {};
  const errors: { message: string; path: string[]; extensions: { code: string } }[] = [];
  // indicators need KNOWLEDGE, connectors MODULES (FIELD-NOTES 16); a user without one gets FORBIDDEN_ACCESS.
  const guarded = (name: string, answer: () => Promise<unknown> | unknown, capability?: string) => async () => {
    const refuse = (message: string, code: string) => {
      data[name] = null;
      errors.push({ message, path: [name], extensions: { code } });
    };
    if (!signedIn) return refuse('You must be logged in to do this.', 'AUTH_REQUIRED');
    const held = context.credentials.capabilities;
    if (capability && held && !held.includes(capability))
      return refuse('You are not allowed to do this.', 'FORBIDDEN_ACCESS');
    data[name] = await answer();
  };
  const fields: [RegExp, () => Promise<void>][] = [
    [/\bme\s*\{/, guarded('me', () => ({ id: 'user--drillbook-drill' }))],
    [
      /\babout\b/,
      release.aboutWithoutAuth
        ? async () => void (data.about = { version: release.version })
        : guarded('about', () => ({ version: release.version })),
    ],
    [
      /\bindicators\s*\(/,
      guarded(
        'indicators',
        async () => {
          const first = Number(/first:\s*(\d+)/.exec(text)?.[1] ?? 25);
          return {
            pageInfo: { globalCount: await context.data.indicatorCount() },
            edges: (await context.data.indicators(0, first)).map((i) => ({
              node: { id: `indicator--${i.id}`, pattern: `[domain-name:value = '${i.value}']` },
            })),
          };
        },
        'KNOWLEDGE',
      ),
    ],
    [/\bconnectors\b/, guarded('connectors', () => [connector(context, release)], 'MODULES')],
  ];
  const asked = fields.filter(([pattern]) => pattern.test(text));
  if (asked.length === 0)
    return graphqlError('Cannot query the fields asked for on the stand-in', 'GRAPHQL_VALIDATION_FAILED');
  for (const [, answer] of asked) await answer();
  return { status: 200, body: errors.length ? { errors, data } : { data } };
}

export function openctiApi(context: ApiContext): ApiHandler {
  const release = releaseOf('opencti', context.version);
  return async (request: ApiRequest) => {
    // Without a key the lab's own /health answers (appctl and people read it).
    if (
      request.method === 'GET' &&
      request.url.pathname === '/health' &&
      request.url.searchParams.has('health_access_key')
    ) {
      if (
        !context.credentials.healthKey ||
        request.url.searchParams.get('health_access_key') !== context.credentials.healthKey
      )
        return { status: 401, body: { status: 'unauthorized' } };
      const db = await context.data.state();
      return db.reachable
        ? { status: 200, body: { status: 'success' } }
        : { status: 503, body: { status: 'error', error: db.error ?? 'database unreachable' } };
    }
    if (request.method !== 'POST' || request.url.pathname !== '/graphql') return undefined;
    const signedIn = header(request, 'authorization') === `Bearer ${context.credentials.secret}`;
    // A right token of an account the platform holds back (2FA to validate, a password to change) is refused whole, HTTP 200.
    if (signedIn && context.credentials.refusal)
      return graphqlError(`The account is refused: ${context.credentials.refusal}`, context.credentials.refusal);
    let body: { query?: unknown };
    try {
      body = JSON.parse(request.body) as { query?: unknown };
    } catch {
      return {
        status: 400,
        body: { errors: [{ message: 'POST body is not JSON', extensions: { code: 'BAD_REQUEST' } }] },
      };
    }
    return typeof body.query === 'string'
      ? query(context, release, body.query, signedIn)
      : graphqlError('Must provide query string.', 'BAD_REQUEST');
  };
}
