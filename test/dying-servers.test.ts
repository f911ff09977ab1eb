/**
 * A server dying under a step is the normal case in a drill, never the end of the worker. Each kind
 * of datastore runs for real (the labs' own scripts, in this run's DRILLBOOK_TEST_PORTS), a
 * worker-like child process (test/support/clientWorker.js, the compiled activity code, no
 * 'uncaughtException' handler) holds a connection to it, the test stops the server under it
 * (PostgreSQL `pg_ctl stop -m fast`, MariaDB `mariadb-admin shutdown`, Redis SIGKILL, RabbitMQ
 * SIGKILL), and then: the process still runs, the step failed retryably naming the server (kind,
 * component and site, host:port), and, the server started again, the same call (the operator's
 * retry) succeeds in the same process. OpenSearch is left out: its client answers every socket
 * error itself and emits no 'error' (kinds/opensearch/activities/sites.ts names the cluster when a request
 * fails), and two JVM nodes would add about a minute here.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { mysqlArgs, postgresArgs, startDataLab, type DataLab } from './support/dataLab';
import { startOpenctiLab, switchArgs, type OpenctiLab } from './support/openctiLab';
import { labOffsetFor } from './support/ports';
import type { StepInput } from '../domain';
import type { RabbitmqArgs } from '../kinds/rabbitmq/actions';
import type { RedisArgs } from '../kinds/redis/actions';

jest.setTimeout(300_000);

interface Answer {
  ok: boolean;
  result?: unknown;
  error?: { type?: string; message: string; nonRetryable?: boolean; details?: Record<string, unknown>[] };
}

/** The child process and the calls it runs; each call says when it holds its server, then how it ended. */
class ClientWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<string, { holding: () => void; answer: (a: Answer) => void }>();
  private next = 0;
  stderr = '';
  readonly ready: Promise<void>;
  /** Settles when the process dies: a process that dies answers nothing, so every call races this. */
  private readonly died: Promise<Answer>;

  constructor() {
    this.child = spawn(process.execPath, [path.join(__dirname, 'support', 'clientWorker.js')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    // Writing a call to a process that died breaks the pipe: its death is the answer, not this process's.
    this.child.stdin.on('error', () => undefined);
    this.died = new Promise((resolve) =>
      this.child.once('exit', (code, signal) =>
        resolve({
          ok: false,
          error: { message: `the worker process died (${code ?? signal}): ${this.stderr.slice(-600)}` },
        }),
      ),
    );
    let ready: () => void = () => undefined;
    this.ready = new Promise((resolve) => (ready = resolve));
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as Answer & { id?: string; event?: string };
      if (message.event === 'ready') return ready();
      const call = this.waiting.get(message.id ?? '');
      if (message.event === 'holding') call?.holding();
      else call?.answer(message);
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  call(kind: string, body: Record<string, unknown>): { holding: Promise<void>; answer: Promise<Answer> } {
    const id = String(++this.next);
    let holding: () => void = () => undefined;
    let answer: (a: Answer) => void = () => undefined;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const answered = new Promise<Answer>((resolve) => (answer = resolve));
    this.waiting.set(id, { holding, answer });
    this.child.stdin.write(`${JSON.stringify({ id, kind, ...body })}\n`);
    return {
      holding: Promise.race([held, this.died.then(() => undefined)]),
      answer: Promise.race([answered, this.died]),
    };
  }

  stop(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}

/** Listening on it now would work: nothing else holds the port. */
const readSecret = (file: string) => require('node:fs').readFileSync(file, 'utf8').trim() as string;

let worker: ClientWorker;

beforeAll(async () => {
  worker = new ClientWorker();
  await worker.ready;
});
afterAll(() => {
  worker?.stop();
});

/** Runs `body` as `kind` in the worker, stops the server once the call holds it, and returns how the call ended. */
async function dieUnder(
  kind: string,
  body: Record<string, unknown>,
  stopServer: () => Promise<unknown>,
): Promise<Answer> {
  const call = worker.call(kind, body);
  await call.holding;
  expect(worker.alive).toBe(true);
  await stopServer();
  const answer = await call.answer;
  return answer;
}

/** What every kind must show: the process lives, the step failed retryably and named the server. */
function expectServerLost(answer: Answer, server: RegExp): void {
  expect(worker.alive).toBe(true);
  expect(worker.stderr).not.toMatch(/Unhandled 'error' event|uncaught/i);
  expect(answer.ok).toBe(false);
  expect(answer.error).toMatchObject({ type: 'ServerLost', nonRetryable: false });
  expect(answer.error?.message).toMatch(server);
  expect(answer.error?.message).toMatch(/stopped answering/);
}

describe('PostgreSQL', () => {
  let lab: DataLab;
  beforeAll(async () => {
    lab = await startDataLab(await labOffsetFor([5433, 5434]), ['postgres']);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const body = (mode: 'in-flight' | 'polling') => {
    const args = postgresArgs(lab);
    return { args, password: readSecret(args.password.file as string), mode, holdMs: mode === 'polling' ? 60_000 : 0 };
  };
  const server = () => new RegExp(`PostgreSQL tip-pg on dc1 \\(127\\.0\\.0\\.1:${lab.ports.postgres.primary}\\)`);

  it('a query in flight when the server shuts down (pg_ctl stop -m fast) fails the step, not the worker; the retry works once it is back', async () => {
    const answer = await dieUnder('postgres', body('in-flight'), () => lab.lab('stop', 'postgres', 'primary'));
    expectServerLost(answer, server());
    // What the server said as it went: the session was ended by the administrator's shutdown.
    expect(answer.error?.message).toMatch(/terminating connection due to administrator command/);
    expect(answer.error?.details?.[0]).toMatchObject({
      server: { kind: 'PostgreSQL', endpoint: `127.0.0.1:${lab.ports.postgres.primary}`, label: 'tip-pg on dc1' },
    });
    await lab.lab('start', 'postgres', 'primary');
    const retried = await worker.call('postgres', { ...body('polling'), holdMs: 500 }).answer;
    expect(retried).toMatchObject({ ok: true, result: { asked: expect.any(Number) } });
  });

  it('a connection held between queries (a waiting step) when the server shuts down fails the step, not the worker', async () => {
    const answer = await dieUnder('postgres', body('polling'), () => lab.lab('stop', 'postgres', 'primary'));
    expectServerLost(answer, server());
    await lab.lab('start', 'postgres', 'primary');
    expect(await worker.call('postgres', { ...body('polling'), holdMs: 500 }).answer).toMatchObject({ ok: true });
  });
});

describe('MariaDB', () => {
  let lab: DataLab;
  beforeAll(async () => {
    lab = await startDataLab(await labOffsetFor([3316, 3326]), ['mariadb']);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const body = (mode: 'in-flight' | 'polling', holdMs = 60_000) => {
    const args = mysqlArgs(lab);
    return { args, password: readSecret(args.password.file as string), mode, holdMs };
  };

  it('a connection held between queries when the server shuts down (mariadb-admin shutdown) fails the step, not the worker; the retry works once it is back', async () => {
    const answer = await dieUnder('mysql', body('polling'), () => lab.lab('stop', 'mariadb', 'primary'));
    expectServerLost(
      answer,
      new RegExp(`MySQL/MariaDB tip-db on dc1 \\(127\\.0\\.0\\.1:${lab.ports.mariadb.primary}\\)`),
    );
    await lab.lab('start', 'mariadb', 'primary');
    expect(await worker.call('mysql', body('polling', 500)).answer).toMatchObject({ ok: true });
  });

  it('a query in flight when the server is killed (SIGKILL) fails the step, not the worker', async () => {
    const answer = await dieUnder('mysql', body('in-flight'), () => lab.lab('kill', 'mariadb', 'primary'));
    expectServerLost(answer, new RegExp(`tip-db on dc1 \\(127\\.0\\.0\\.1:${lab.ports.mariadb.primary}\\)`));
    await lab.lab('start', 'mariadb', 'primary');
    expect(await worker.call('mysql', body('polling', 500)).answer).toMatchObject({ ok: true });
  });
});

describe('Redis and RabbitMQ', () => {
  let lab: OpenctiLab;
  beforeAll(async () => {
    // One offset for the OpenCTI lab's Redis (7379/7380) and RabbitMQ (AMQP 767x, API 777x, Erlang distribution 787x).
    lab = await startOpenctiLab(await labOffsetFor([7379, 7380, 7672, 7673, 7772, 7773, 7872, 7873]), [
      'redis',
      'rabbitmq',
    ]);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const redisArgs = (): RedisArgs => ({
    ...switchArgs('cache'),
    sites: {
      primary: { host: '127.0.0.1', port: lab.port('redis', 'primary') },
      secondary: { host: '127.0.0.1', port: lab.port('redis', 'secondary') },
    },
    password: lab.secret('redis'),
    catchUpTimeoutMs: 10_000,
    minReplicasToWrite: 0,
  });

  it('Redis: a blocking command in flight when the node is killed (SIGKILL) fails the step, not the worker; the retry works once it is back', async () => {
    const answer = await dieUnder('redis', { args: redisArgs(), mode: 'in-flight' }, () =>
      lab.lab('kill', 'redis', 'primary'),
    );
    expectServerLost(answer, new RegExp(`Redis cache on dc1 \\(127\\.0\\.0\\.1:${lab.port('redis', 'primary')}\\)`));
    await lab.lab('start', 'redis', 'primary');
    expect(await worker.call('redis', { args: redisArgs(), mode: 'polling', holdMs: 500 }).answer).toMatchObject({
      ok: true,
    });
  });

  it('RabbitMQ: a drain polling the management API when the node is killed fails the step, not the worker; the next step works once it is back', async () => {
    const url = `http://127.0.0.1:${lab.port('rabbitmqMgmt', 'primary')}`;
    const auth = `Basic ${Buffer.from(`drill:${lab.secretValue('rabbitmq-drill')}`).toString('base64')}`;
    const api = (method: string, urlPath: string, body?: unknown) =>
      fetch(`${url}${urlPath}`, {
        method,
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    // A queue holding a message: the drain waits for it (up to a minute), reading the API the whole time.
    expect((await api('PUT', '/api/queues/%2F/held', { durable: true })).status).toBeLessThan(300);
    expect(
      await (
        await api('POST', '/api/exchanges/%2F/amq.default/publish', {
          properties: { delivery_mode: 2 },
          routing_key: 'held',
          payload: 'in flight',
          payload_encoding: 'string',
        })
      ).json(),
    ).toEqual({ routed: true });
    const args: RabbitmqArgs = {
      ...switchArgs('queue'),
      sites: { primary: { url }, secondary: { url: `http://127.0.0.1:${lab.port('rabbitmqMgmt', 'secondary')}` } },
      username: 'drill',
      password: lab.secret('rabbitmq-drill'),
      vhost: '/',
      queues: '^held$',
      maxMessages: 0,
      waitTimeoutMs: 60_000,
      statsIntervalMs: 1000,
      platformUsers: ['opencti'],
      minConsumers: 1,
    };
    const step = (action: 'rabbitmqDrain' | 'rabbitmqHealth'): StepInput<typeof action> => ({
      drillId: 'drill-dying',
      target: 'dying',
      step: { id: `failover.queue.${action}`, title: action, action, site: 'primary', args, timeoutMs: 120_000 },
    });
    const answer = await dieUnder('rabbitmq', { action: 'rabbitmqDrain', input: step('rabbitmqDrain') }, () =>
      lab.lab('kill', 'rabbitmq', 'primary'),
    );
    expectServerLost(
      answer,
      new RegExp(
        `RabbitMQ queue on dc1 \\(127\\.0\\.0\\.1:${lab.port('rabbitmqMgmt', 'primary')}\\) stopped answering while GET /api/queues`,
      ),
    );
    await lab.lab('start', 'rabbitmq', 'primary');
    expect(
      await worker.call('rabbitmq', { action: 'rabbitmqHealth', input: step('rabbitmqHealth'), holdAfterMs: 0 }).answer,
    ).toMatchObject({ ok: true });
  });
});
