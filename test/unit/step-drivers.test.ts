/**
 * The plan's own step drivers, from the YAML a person writes to what the activity does against a
 * real HTTP server on loopback: a POST with a JSON or text body, checks on the JSON answer by path
 * (an HTML login page fails them, never passes), a command checked on its output, and a secret
 * header resolved on the worker while the compiled runbook (the drill's history) holds only its reference.
 */
import http from 'node:http';
import type { ApplicationFailure } from '@temporalio/common';
import { createCommandActivities } from '../../kinds/kit/activities/command';
import { createHttpActivities } from '../../activities/http';
import { parsePlan } from '../../plan/load';
import { compileRunbook } from '../../workflows/runbook';
import { ROOT } from '../support/standinLab';
import type { Plan, Runbook, Step, StepInput } from '../../domain';

const TOKEN = 'opencti-token-4f1c2a';

/** An OpenCTI-like API: GraphQL with a bearer token, a login page where a proxy sends the unauthenticated, a text echo. */
function answer(req: http.IncomingMessage, body: string, res: http.ServerResponse, count: { value: number }): void {
  const json = (status: number, value: unknown): void =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  if (req.url === '/graphql' && req.method === 'POST') {
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return void res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!DOCTYPE html><html><body><form action="/login">Sign in</form></body></html>');
    if (req.headers['content-type'] !== 'application/json') return json(415, { error: 'expected JSON' });
    const { query } = JSON.parse(body) as { query?: string };
    if (!query?.includes('globalCount')) return json(400, { errors: [{ message: 'no query' }] });
    return json(200, {
      data: {
        about: { version: '6.4.2' },
        indicators: { pageInfo: { globalCount: count.value } },
        connectors: [{ active: true }, { active: true }],
      },
    });
  }
  if (req.url === '/whoami')
    return void res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end(`token ${(req.headers.authorization ?? '').replace(/^Bearer /, '')} may not read this`);
  if (req.url === '/echo' && req.method === 'PUT')
    return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.headers['content-type']}|${body}`);
  res.writeHead(404).end();
}

/** Listens on a free port of the range the tests may use (26000–26999). */
async function listen(server: http.Server): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 26000 + Math.floor(Math.random() * 1000);
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) return port;
  }
  throw new Error('no free port in 26000-26999');
}

const planText = (base: string) => `
target: drivers
platform: generic
sites: { primary: { name: euc1 }, secondary: { name: euw1 } }
approvals: { approvers: [alice] }
components:
  app:
    kind: service
    primary: { health: { http: { url: "${base}/health" } } }
    secondary: { health: { http: { url: "${base}/health" } } }
steps:
  - id: indicators
    phase: check
    title: OpenCTI counts its indicators
    http: &graphql
      url: ${base}/graphql
      method: POST
      headers: { Authorization: { env: DRILLBOOK_TEST_OPENCTI_AUTH } }
      body: { query: "{ about { version } indicators { pageInfo { globalCount } } connectors { active } }" }
      expectJson:
        - { path: data.indicators.pageInfo.globalCount, min: 1 }
        - { path: data.about.version, exists: true }
        - { path: "data.connectors[1].active", equals: true }
        - { path: data.connectors, max: 7 }
  - id: bearer
    phase: check
    title: The token with its scheme word composed from a reference
    http: { <<: *graphql, headers: { Authorization: { env: DRILLBOOK_TEST_OPENCTI_TOKEN, prefix: "Bearer " } } }
  - id: whoami
    phase: check
    title: A server that echoes the token without its prefix
    http: { url: "${base}/whoami", bodyMatch: "^allowed$", headers: { Authorization: { env: DRILLBOOK_TEST_OPENCTI_TOKEN, prefix: "Bearer " } } }
  - id: no-token
    phase: check
    title: Without a token the proxy answers with its login page
    http: { <<: *graphql, headers: {} }
  - id: echo
    phase: check
    title: A text body is sent as text
    http: { url: "${base}/echo", method: PUT, body: "role=primary", bodyMatch: "^text/plain; charset=utf-8\\\\|role=primary$" }
  - id: role
    phase: check
    title: Redis on euc1 is the master
    command: { argv: [sh, -c, "printf 'redis 7.2\\\\nrole:master\\\\nconnected_slaves:1\\\\n'"], expectOutput: "^role:master$" }
  - id: role-wrong
    phase: check
    title: Redis on euc1 is a replica
    command: { argv: [sh, -c, "printf 'role:slave\\\\n'"], expectOutput: "^role:master$" }
`;

describe('step drivers from a plan, against a real server', () => {
  const server = http.createServer();
  const count = { value: 48_211 };
  let runbook: Runbook;
  const run = (id: string) => {
    const step = runbook.phases.flatMap((phase) => phase.steps).find((s) => s.id === `check.${id}`) as Step;
    const input = { drillId: 'drill-drivers', target: 'drivers', step } as StepInput<'checkHttp'> &
      StepInput<'runCommand'>;
    return step.action === 'checkHttp'
      ? createHttpActivities().checkHttp(input)
      : createCommandActivities({ workdir: ROOT }).runCommand(input);
  };

  beforeAll(async () => {
    server.on('request', (req, res) => {
      let body = '';
      req
        .on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
        .on('end', () => answer(req, body, res, count));
    });
    const port = await listen(server);
    process.env.DRILLBOOK_TEST_OPENCTI_AUTH = `Bearer ${TOKEN}`;
    process.env.DRILLBOOK_TEST_OPENCTI_TOKEN = TOKEN;
    const parsed = parsePlan(planText(`http://127.0.0.1:${port}`));
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    runbook = compileRunbook(parsed.plan as Plan, 'drill');
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts a JSON body and passes on the values the answer holds, saying what it saw', async () => {
    count.value = 48_211;
    const seen = await run('indicators');
    expect(seen.summary).toMatch(
      /answered 200 in \d+ms: data\.indicators\.pageInfo\.globalCount = 48211, data\.about\.version = "6\.4\.2"/,
    );
  });

  it('fails when a value is out of bounds, naming the path and the value', async () => {
    count.value = 0;
    await expect(run('indicators')).rejects.toThrow(
      /answered 200 but data\.indicators\.pageInfo\.globalCount is 0, expected at least 1$/,
    );
  });

  it("sends a composed header: the plan's prefix, then the secret the worker resolved", async () => {
    count.value = 48_211;
    // The stand-in answers JSON only to `Bearer <token>` (its login page otherwise, which fails the check).
    await expect(run('bearer')).resolves.toMatchObject({
      summary: expect.stringMatching(/globalCount = 48211/),
    });
    const step = runbook.phases.flatMap((phase) => phase.steps).find((s) => s.id === 'check.bearer') as Step;
    expect(JSON.stringify(step)).toContain('"prefix":"Bearer "');
    expect(JSON.stringify(step)).not.toContain(TOKEN);
  });

  it('redacts the secret of a composed header where the server echoes it without its prefix', async () => {
    const failure: ApplicationFailure = await run('whoami').then(
      () => undefined as never,
      (error: ApplicationFailure) => error,
    );
    expect(failure.message).toMatch(/answered 200 but the body does not match/);
    // The answer is kept in the failure's facts (the history): the bare token is redacted there too.
    expect(failure.details?.[0]).toMatchObject({ body: 'token *** may not read this' });
    expect(JSON.stringify(failure.details)).not.toContain(TOKEN);
  });

  it('fails closed on an HTML login page where JSON was expected, saying so', async () => {
    count.value = 48_211;
    const failure: ApplicationFailure = await run('no-token').then(
      () => undefined as never,
      (error: ApplicationFailure) => error,
    );
    expect(failure.message).toMatch(
      /answered 200 but the answer is not JSON \(text\/html: "<!DOCTYPE html><html><body><form action=\\?"\/login\\?">Sign in/,
    );
    expect(failure.message).toContain(
      'so data.indicators.pageInfo.globalCount, data.about.version, data.connectors[1].active, data.connectors cannot be checked',
    );
  });

  it('sends a string body as text', async () => {
    await expect(run('echo')).resolves.toMatchObject({ summary: expect.stringMatching(/echo answered 200/) });
  });

  it('checks a command on its output as well as its exit code', async () => {
    await expect(run('role')).resolves.toMatchObject({ summary: expect.stringMatching(/exited 0/) });
    await expect(run('role-wrong')).rejects.toThrow(
      'exited 0 but its output does not match /^role:master$/; it ended "role:slave"',
    );
  });

  it('keeps the secret header a reference in the compiled runbook: its value never enters the history', () => {
    const text = JSON.stringify(runbook);
    expect(text).toContain('{"env":"DRILLBOOK_TEST_OPENCTI_AUTH"}');
    expect(text).not.toContain(TOKEN);
  });
});
