/**
 * No secret written into a plan gets through: a client's password variable in a command's env, a
 * password argument (`-p…`, `--password=`, `-a`, `curl -u user:pass`, an `Authorization:` header),
 * `PGPASSWORD=…` in a shell line, a credential in a URL (user:password@, `?health_access_key=`,
 * `?token=`…), and whatever secretlint's recommended rules find anywhere in the text. Each refusal
 * names the path and what to write instead, never the value; `plan check` and `start` exit 2 and
 * start nothing. The reference forms pass and resolve on the worker: a drill whose health check
 * carries its key as a query reference leaves no trace of the key in the workflow history, the
 * step observations or the report, even where the server echoes the URL it was asked.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import { createCommandActivities } from '../kinds/kit/activities/command';
import { createHttpActivities } from '../activities/http';
import { startDrill } from '../src/drills';
import { checkPlanText } from '../plan/load';
import { compileRunbook } from '../workflows/runbook';
import { driveDrill } from './support/operators';
import { freePort } from './support/ports';
import { ROOT } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { Step, StepInput } from '../domain';

const run = promisify(execFile);
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form YAML edited per case
const example = (): Doc => parse(readFileSync(path.join(ROOT, 'plans', 'example-lab.yaml'), 'utf8')) as Doc;
const SECRET = 'hunter2-Zq8x';

/** The errors `plan check` prints for the example plan after `edit`, as `path: message` lines. */
async function errorsOf(edit: (plan: Doc) => void): Promise<string[]> {
  const plan = example();
  edit(plan);
  const result = await checkPlanText(stringify(plan));
  return result.ok ? [] : result.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
}

const stop = 'components.app.primary.stop.command';
const setCommand = (command: unknown) => (p: Doc) => (p.components.app.primary.stop = { command });
/** Every refusal says which reference to write instead. */
const REF = /\{ (env: (VAR|NAME)|file: PATH) \}/;

describe('an inline secret is refused, naming the path and what to write instead', () => {
  const cases: [string, (p: Doc) => void, string, RegExp][] = [
    // The issue's two examples.
    [
      "MYSQL_PWD in a command's env",
      (p) =>
        (p.components.app.primary.health = {
          command: { argv: ['mysql', '-e', 'select 1'], env: { MYSQL_PWD: SECRET } },
        }),
      'components.app.primary.health.command.env.MYSQL_PWD',
      /the environment variable MYSQL_PWD holds a secret/,
    ],
    [
      'redis-cli -a PASSWORD',
      (p) => (p.components.app.primary.health = { command: ['redis-cli', '-a', SECRET, 'ping'] }),
      'components.app.primary.health.command.argv[2]',
      /Redis password \(-a\).*REDISCLI_AUTH/,
    ],
    // The password variables of the clients drills call.
    ...[
      'PGPASSWORD',
      'REDISCLI_AUTH',
      'RABBITMQ_DEFAULT_PASS',
      'RABBITMQ_ERLANG_COOKIE',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'SSHPASS',
    ].map((name): [string, (p: Doc) => void, string, RegExp] => [
      `${name} in a command's env`,
      setCommand({ argv: ['x'], env: { [name]: SECRET } }),
      `${stop}.env.${name}`,
      new RegExp(`the environment variable ${name} holds a secret`),
    ]),
    [
      "a URL with a password in a command's env",
      setCommand({ argv: ['x'], env: { DATABASE_URL: `postgres://app:${SECRET}@db/tip` } }),
      `${stop}.env.DATABASE_URL`,
      /a URL with a password after the user name/,
    ],
    // Password arguments.
    [
      'mysql -pPASSWORD',
      setCommand(['mysql', `-p${SECRET}`, '-e', 'select 1']),
      `${stop}.argv[1]`,
      /MySQL\/MariaDB password \(-p…\).*MYSQL_PWD/,
    ],
    [
      'mariadb --password=PASSWORD',
      setCommand(['mariadb', `--password=${SECRET}`]),
      `${stop}.argv[1]`,
      /\(--password\)/,
    ],
    ['mysql --password PASSWORD', setCommand(['mysql', '--password', SECRET]), `${stop}.argv[2]`, /\(--password\)/],
    [
      'redis-cli --pass PASSWORD',
      setCommand(['redis-cli', '-h', 'r1', '--pass', SECRET, 'info']),
      `${stop}.argv[4]`,
      /\(--pass\)/,
    ],
    [
      'a password through ssh',
      setCommand(['ssh', 'db1', `mysql -u drill -p${SECRET} -e "select 1"`]),
      `${stop}.argv[2]`,
      /MySQL\/MariaDB password/,
    ],
    [
      'sshpass -p PASSWORD',
      setCommand(['sshpass', '-p', SECRET, 'ssh', 'db1', 'true']),
      `${stop}.argv[2]`,
      /SSH password \(sshpass -p\).*sshpass -e/,
    ],
    [
      'rabbitmqadmin -p PASSWORD',
      setCommand(['rabbitmqadmin', '-u', 'drill', '-p', SECRET, 'list', 'queues']),
      `${stop}.argv[4]`,
      /RabbitMQ password \(rabbitmqadmin -p\)/,
    ],
    [
      'kubectl --token=TOKEN',
      setCommand(['kubectl', `--token=${SECRET}`, 'get', 'pods']),
      `${stop}.argv[1]`,
      /\(--token\)/,
    ],
    [
      'docker run -e MYSQL_ROOT_PASSWORD=…',
      setCommand(['docker', 'run', '-e', `MYSQL_ROOT_PASSWORD=${SECRET}`, 'mariadb']),
      `${stop}.argv[3]`,
      /MYSQL_ROOT_PASSWORD=…/,
    ],
    [
      'curl -u user:pass',
      setCommand(['curl', '-u', `admin:${SECRET}`, 'https://tip/api']),
      `${stop}.argv[2]`,
      /user:password \(curl -u\).*headers: \{ Authorization: \{ file: PATH \} \}/,
    ],
    [
      'curl --user user:pass',
      setCommand(['curl', `--user=admin:${SECRET}`, 'https://tip/api']),
      `${stop}.argv[1]`,
      /user:password \(curl -u\)/,
    ],
    [
      'curl -H Authorization',
      setCommand(['curl', '-H', `Authorization: Bearer ${SECRET}`, 'https://tip/api']),
      `${stop}.argv[2]`,
      /the header Authorization.*headers: \{ Authorization: \{ env: VAR \} \}/,
    ],
    [
      'curl -H X-Api-Key',
      setCommand(['curl', '-sf', '-H', `X-Api-Key: ${SECRET}`, 'https://tip/api']),
      `${stop}.argv[3]`,
      /the header X-Api-Key/,
    ],
    [
      'PGPASSWORD=… in a shell line',
      setCommand(['sh', '-c', `PGPASSWORD=${SECRET} psql -h db -c 'select 1'`]),
      `${stop}.argv[2]`,
      /PGPASSWORD=… .*give PGPASSWORD in the command's env/,
    ],
    [
      'PGPASSWORD=… with shell: true',
      setCommand({ argv: [`PGPASSWORD=${SECRET}`, 'psql', '-h', 'db'], shell: true }),
      `${stop}.argv[0]`,
      /PGPASSWORD=…/,
    ],
    [
      'a URL with user:password@ in argv',
      setCommand(['curl', `https://admin:${SECRET}@tip.example.org/api`]),
      `${stop}.argv[1]`,
      /a URL with a password after the user name/,
    ],
    [
      'a URL with ?token= in argv',
      setCommand(['curl', `https://tip.example.org/api?token=${SECRET}`]),
      `${stop}.argv[1]`,
      /a URL with the query parameter token.*query: \{ token: \{ env: VAR \} \}/,
    ],
    // Credentials in a URL field: the query takes them as references.
    ...['health_access_key', 'token', 'api_key', 'apikey', 'key', 'password', 'secret', 'access_token'].map(
      (name): [string, (p: Doc) => void, string, RegExp] => [
        `?${name}= in an http check's URL`,
        (p) => (p.components.app.secondary.health.http.url = `http://127.0.0.1:18082/health?site=b&${name}=${SECRET}`),
        'components.app.secondary.health.http.url',
        new RegExp(
          `the query parameter ${name}: write the URL without it and the parameter under the check's query: \\{ ${name}: \\{ env: VAR \\} \\}`,
        ),
      ],
    ),
    [
      "user:password@ in an http check's URL",
      (p) => (p.components.app.secondary.health.http.url = `https://admin:${SECRET}@tip.example.org/`),
      'components.app.secondary.health.http.url',
      /credentials in a URL are secrets/,
    ],
    [
      'an inline key in the query',
      (p) => (p.components.app.secondary.health.http.query = { health_access_key: SECRET }),
      'components.app.secondary.health.http.query.health_access_key',
      /the query parameter health_access_key holds a secret/,
    ],
  ];

  it.each(cases)('%s', async (_name, edit, at, why) => {
    const errors = await errorsOf(edit);
    const line = errors.find((e) => e.startsWith(`${at}: `));
    expect(errors).toContainEqual(expect.stringMatching(new RegExp(`^${at.replace(/[.[\]]/g, '\\$&')}: `)));
    expect(line).toMatch(why);
    expect(line).toMatch(REF);
    for (const error of errors) expect(error).not.toContain(SECRET);
  });

  // secretlint's recommended rules: what no drill-specific rule knows, found anywhere in the text.
  const awsKeyId = ['AKIA', 'Z7Q3VX5KJ2M4PW6N'].join('');
  it("an AWS access key id in a step's args, found by secretlint, with its line and rule", async () => {
    const errors = await errorsOf((p) =>
      p.steps.push({
        id: 'aws',
        phase: 'check',
        title: 'AWS',
        command: ['aws', 'sts', 'get-caller-identity', '--profile', awsKeyId],
      }),
    );
    // The path as the file writes it: `command: [aws, …]`, the list's fifth word.
    expect(errors).toContainEqual(
      expect.stringMatching(
        /^steps\[id=aws\]\.command\[4\]: line \d+: secretlint \(rule aws, AWSAccessKeyID\) found a secret .*write \{ env: VAR \} or \{ file: PATH \}$/,
      ),
    );
    for (const error of errors) expect(error).not.toContain(awsKeyId);
  });

  it("a private key in a manual step's text, found by secretlint", async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const errors = await errorsOf((p) =>
      p.steps.push({ id: 'key', phase: 'check', title: 'Log in', manual: `Log in with this key:\n${pem}` }),
    );
    expect(errors).toContainEqual(
      expect.stringMatching(/^steps\[id=key\]\.manual: line \d+: secretlint \(rule privatekey, PrivateKey\)/),
    );
    for (const error of errors) expect(error).not.toContain(pem.split('\n')[1]);
  });

  it('in an x- template too: a plan given at start travels whole into the history', async () => {
    const text = `x-notes:\n  slack: ${['xoxb', '1234567890', '1234567890123', 'abcdefghijklmnopqrstuvwx'].join('-')}\n${stringify(example())}`;
    const result = await checkPlanText(text);
    expect(result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      expect.stringMatching(/^x-notes\.slack: line 2: secretlint \(rule slack, SLACK_TOKEN\)/),
    ]);
  });
});

describe('the reference forms pass', () => {
  it('env and file references, $VAR a shell expands, a prompt, and non-secret options', async () => {
    const errors = await errorsOf((p) => {
      p.components.app.primary.stop = {
        command: {
          argv: ['redis-cli', '-h', 'r1', 'ping'],
          env: {
            REDISCLI_AUTH: { file: '/run/secrets/redis' },
            MYSQL_PWD: { env: 'DB_PW' },
            PWD: '/srv',
            PGPASSFILE: '/run/pgpass',
          },
        },
      };
      p.components.app.primary.start = {
        command: {
          argv: [
            'mysql -u drill -p"$MYSQL_PWD" -e "select 1"',
            '&&',
            'curl -sf -H "Authorization: Bearer $TIP_TOKEN" -u "admin:$PW" "https://tip/api?token=$T"',
          ],
          shell: true,
          env: {
            MYSQL_PWD: { env: 'DB_PW' },
            TIP_TOKEN: { file: '/run/secrets/tip' },
            PW: { env: 'PW' },
            T: { env: 'T' },
          },
        },
      };
      p.components.app.secondary.stop = { command: ['mysql', '-p', 'tip', '-e', 'select 1'] };
      p.steps.push({
        id: 'ports',
        phase: 'check',
        title: 'ports and ids',
        command: [
          'sh',
          '-c',
          'ssh -p 2222 db1 true && psql -p 5433 -U drill -c "select 1" && docker exec -u 1000:1000 tip ls',
        ],
      });
      p.components.app.secondary.start = {
        command: [
          'node',
          'dist/lab/appctl.js',
          'start',
          'secondary',
          '--db-password-file',
          'data/lab/secrets/mysql-app.password',
          '--secret-file',
          'x',
          'curl',
          '-u',
          'admin',
          'https://tip/api?page=2',
        ],
      };
      p.components.app.secondary.health.http.query = {
        health_access_key: { file: '/run/secrets/health' },
        format: 'json',
      };
    });
    expect(errors).toEqual([]);
  });

  it('every plan in plans/ passes', async () => {
    for (const file of readdirSync(path.join(ROOT, 'plans')).filter((f) => f.endsWith('.yaml'))) {
      const result = await checkPlanText(readFileSync(path.join(ROOT, 'plans', file), 'utf8'), file);
      expect({ file, errors: result.ok ? [] : result.errors }).toEqual({ file, errors: [] });
    }
  });
});

/** A health endpoint that wants its key in the query and echoes the URL it was asked (as some servers' errors do). */
async function keyedServer(key: string): Promise<{ base: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ok = url.pathname === '/health' && url.searchParams.get('health_access_key') === key;
    res
      .writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: ok ? 'ok' : 'unauthorized', asked: req.url }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the reference forms resolve on the worker, and the value stays out of what is kept', () => {
  // Characters a URL encodes, so the encoded form is redacted too.
  const key = `hk-${process.pid}+/=&Q`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-secrets-'));
  const keyFile = path.join(dir, 'health.key');
  let server: Awaited<ReturnType<typeof keyedServer>>;
  const forms = [key, encodeURIComponent(key), new URLSearchParams({ k: key }).toString().slice(2)];
  const expectNoTrace = (text: string) => {
    for (const form of forms) expect(text).not.toContain(form);
  };

  beforeAll(async () => {
    writeFileSync(keyFile, `${key}\n`);
    server = await keyedServer(key);
  });
  afterAll(async () => {
    await server?.close();
  });

  const planYaml = (target: string) => `
target: ${target}
platform: generic
sites: { primary: { name: dc1 }, secondary: { name: dc2 } }
approvals: { approvers: [alice, bob], quorum: 1 }
defaults: { retry: { maximumAttempts: 2, initialInterval: 200ms }, stepTimeout: 30s }
components:
  app:
    kind: service
    tier: app
    primary: { health: { http: { url: "${server.base}/health", query: { health_access_key: { file: ${keyFile} } }, bodyMatch: '"status":"ok"' } } }
    secondary: { health: { http: { url: "${server.base}/health", query: { health_access_key: { file: ${keyFile} }, site: b }, bodyMatch: '"status":"ok"' } } }
`;

  const stepOf = async (text: string, id: string): Promise<Step> => {
    const result = await checkPlanText(text);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const step = compileRunbook(result.plan, 'drill')
      .phases.flatMap((p) => p.steps)
      .find((s) => s.id === id);
    if (!step) throw new Error(`no step ${id}`);
    return step;
  };

  it('the http check sends the key from the file; its observation shows *** where the key was, even echoed back', async () => {
    const step = await stepOf(planYaml('keyed'), 'check.app.health.primary');
    expect(JSON.stringify(step)).not.toContain(key);
    const seen = await createHttpActivities().checkHttp({
      drillId: 'drill-keyed',
      target: 'keyed',
      step,
    } as StepInput<'checkHttp'>);
    expect(seen.summary).toMatch(/\/health\?health_access_key=\*\*\* answered 200/);
    expect(JSON.parse((seen.facts as { body: string }).body)).toEqual({
      status: 'ok',
      asked: '/health?health_access_key=***',
    });
    expectNoTrace(JSON.stringify(seen));
  });

  it('a wrong key fails the check, and its error says so without the key', async () => {
    writeFileSync(path.join(dir, 'wrong.key'), 'not-the-key-77');
    const step = await stepOf(
      planYaml('keyed').replace(new RegExp(keyFile.replace(/[.]/g, '\\.'), 'g'), path.join(dir, 'wrong.key')),
      'check.app.health.primary',
    );
    const failure = await createHttpActivities()
      .checkHttp({ drillId: 'drill-keyed', target: 'keyed', step } as StepInput<'checkHttp'>)
      .catch((e: Error & { details?: unknown[] }) => e);
    expect((failure as Error).message).toMatch(/health_access_key=\*\*\* answered 401; expected 200/);
    expect(JSON.stringify((failure as { details?: unknown[] }).details)).not.toContain('not-the-key-77');
  });

  it('a shell: true command reads $VAR from a reference; its output is redacted', async () => {
    process.env.DRILLBOOK_TEST_SECRET_PW = SECRET;
    const text = stringify({
      ...parse(planYaml('shellref')),
      steps: [
        {
          id: 'pw',
          phase: 'check',
          title: 'PW',
          command: {
            argv: ['echo "pw=$PW"'],
            shell: true,
            env: { PW: { env: 'DRILLBOOK_TEST_SECRET_PW' } },
            expectOutput: '^pw=\\*\\*\\*$',
          },
        },
      ],
    });
    const step = await stepOf(text, 'check.pw');
    const seen = await createCommandActivities({ workdir: ROOT }).runCommand({
      drillId: 'drill-shellref',
      target: 'shellref',
      step,
    } as StepInput<'runCommand'>);
    expect(JSON.stringify(seen)).toContain('pw=***');
    expect(JSON.stringify(seen)).not.toContain(SECRET);
  });

  describe('a whole drill on a real Temporal server', () => {
    let client: Client;
    let worker: RunningWorker;
    const queue = uniqueQueue('secrets');
    const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-secret-reports-'));
    beforeAll(async () => {
      client = await testClient();
      worker = await startTestWorker(queue, { reportsDir });
    });
    afterAll(async () => {
      await worker?.stop();
      await client?.connection.close();
    });

    it('leaves no trace of the key in the history, the observations or the report', async () => {
      const target = `secret-ref-${process.pid}`;
      const handle = await startDrill(client, queue, {
        target,
        requestedBy: 'oncall',
        planYaml: planYaml(target),
        reason: 'plan-secrets test',
      });
      const record = await driveDrill(client, handle.workflowId, {
        approvers: ['alice', 'bob'],
        operator: 'oncall',
        timeoutMs: 170_000,
      });
      expect(record.status).toBe('succeeded');
      const checks = record.steps.filter((s) => s.action === 'checkHttp');
      expect(checks.length).toBeGreaterThan(3);
      for (const step of checks) expect(step.summary).toMatch(/health_access_key=\*\*\*/);

      const history = await handle.fetchHistory();
      // Payloads are base64 in the history's JSON: decode each before looking.
      const decoded = JSON.stringify(history, (key, value: unknown) =>
        key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value,
      );
      expect(decoded).toContain('health_access_key=***');
      expectNoTrace(decoded);
      expectNoTrace(JSON.stringify(record));

      const folder = path.join(reportsDir, handle.workflowId);
      const deadline = Date.now() + 20_000;
      // The report activity writes its four files after the sign-off; wait for them, bounded.
      while (
        !(existsSync(folder) && readdirSync(folder).filter((f) => !f.endsWith('.tmp')).length === 4) &&
        Date.now() < deadline
      )
        await sleep(200);
      const files = readdirSync(folder);
      expect(files).toHaveLength(4);
      for (const file of files) expectNoTrace(readFileSync(path.join(folder, file), 'utf8'));
    });
  });
});

describe('from the command line', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-secret-plans-'));
  const cli = (...args: string[]) =>
    run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], { env: { ...process.env } });

  it.each([
    [
      'an inline MYSQL_PWD',
      (p: Doc) =>
        (p.components.app.primary.health = {
          command: { argv: ['mysql', '-e', 'select 1'], env: { MYSQL_PWD: SECRET } },
        }),
      'components.app.primary.health.command.env.MYSQL_PWD',
    ],
    [
      'redis-cli -a PASSWORD',
      (p: Doc) => (p.components.app.primary.health = { command: ['redis-cli', '-a', SECRET, 'ping'] }),
      'components.app.primary.health.command.argv[2]',
    ],
  ])('plan check and start refuse %s with exit 2, naming the path; nothing starts', async (name, edit, at) => {
    const plan = example();
    plan.target = `secret-cli-${name.length}`;
    edit(plan);
    const file = path.join(dir, `${plan.target}.yaml`);
    writeFileSync(file, stringify(plan));
    for (const command of [
      ['plan', 'check', file],
      ['start', file, '--by', 'oncall'],
    ]) {
      const failure = await cli(...command).catch((e: { code: number; stderr: string; stdout: string }) => e);
      expect(failure).toMatchObject({ code: 2 });
      const { stderr, stdout } = failure as { stderr: string; stdout: string };
      expect(stderr).toContain(`  ${at}: `);
      expect(stderr + stdout).not.toContain(SECRET);
    }
    const listing = await cli('status', plan.target, '--once').catch((e: { stderr: string }) => e);
    expect((listing as { stderr: string }).stderr).toContain(`no drill drill-${plan.target}`);
  });
});
