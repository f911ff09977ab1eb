/**
 * The RabbitMQ activities against two real Debian rabbitmq-server 3.10 nodes with the management
 * plugin (scripts/lab/rabbitmq.sh; AMQP 22672/22673, management 22772/22773): health fails while a
 * disk alarm is set; a queue with messages ready or unacknowledged holds the drain until a
 * consumer has taken and acknowledged them; the fence closes the platform users' connections (their
 * clients see CONNECTION_FORCED) and leaves others open; consumers are checked on the new site.
 * Producers and consumers are amqplib clients logged in as the platform's user.
 */
import amqp, { type ChannelModel } from 'amqplib';
import { createRabbitmqActivities } from '../kinds/rabbitmq/activities';
import { expectFailure, startOpenctiLab, stepInput, switchArgs, type OpenctiLab } from './support/openctiLab';
import type { SiteRole } from '../domain';
import type { RabbitmqAction, RabbitmqArgs } from '../kinds/rabbitmq/actions';

jest.setTimeout(180_000);

let lab: OpenctiLab;
const acts = createRabbitmqActivities();
const QUEUE = 'opencti.push.import';
const open: ChannelModel[] = [];

beforeAll(async () => {
  lab = await startOpenctiLab(15_000, ['rabbitmq']);
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await lab?.destroy();
});

const args = (over: Partial<RabbitmqArgs> = {}): RabbitmqArgs => ({
  ...switchArgs('queue'),
  sites: {
    primary: { url: `http://127.0.0.1:${lab.port('rabbitmqMgmt', 'primary')}` },
    secondary: { url: `http://127.0.0.1:${lab.port('rabbitmqMgmt', 'secondary')}` },
  },
  username: 'drill',
  password: lab.secret('rabbitmq-drill'),
  vhost: '/',
  queues: '^opencti\\.',
  maxMessages: 0,
  waitTimeoutMs: 30_000,
  // The lab's nodes refresh their counts every second (collect_statistics_interval 1000).
  statsIntervalMs: 1500,
  platformUsers: ['opencti'],
  minConsumers: 1,
  ...over,
});
const call = <A extends RabbitmqAction>(action: A, drillId: string, a: RabbitmqArgs, site?: SiteRole) =>
  acts[action](stepInput(drillId, action, a, site));

async function connect(site: SiteRole, user: 'opencti' | 'drill' = 'opencti'): Promise<ChannelModel> {
  const password = encodeURIComponent(lab.secretValue(`rabbitmq-${user}`));
  const connection = await amqp.connect(`amqp://${user}:${password}@127.0.0.1:${lab.port('rabbitmq', site)}`);
  connection.on('error', () => undefined);
  open.push(connection);
  return connection;
}
const settled = async (promise: Promise<unknown>, ms: number) =>
  Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

test('health: a node with a disk alarm in effect fails with the alarm named; a wrong password is not retried', async () => {
  expect((await call('rabbitmqHealth', 'q1', args(), 'primary')).summary).toMatch(
    /queue on dc1: 1 node\(s\) running, no alarms, virtual host \/ up/,
  );
  await lab.lab('rabbitmqctl', 'primary', 'set_disk_free_limit', '1000000GB');
  try {
    // The disk monitor checks every 10 s at most; the health check must fail once it has.
    let failure: { message: string } | undefined;
    for (let i = 0; i < 20 && !failure; i++) {
      failure = await expectFailure(call('rabbitmqHealth', 'q1', args(), 'primary'), 'RabbitmqAlarm').catch(
        () => undefined,
      );
      if (!failure) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(failure?.message).toMatch(
      /queue on dc1 has alarms in effect \(disk space on rabbit-primary-15000@localhost\): publishers are blocked/,
    );
  } finally {
    await lab.lab('rabbitmqctl', 'primary', 'set_disk_free_limit', '50MB');
  }
  await expect(call('rabbitmqHealth', 'q1', args({ username: 'opencti' }), 'secondary')).rejects.toMatchObject({
    type: 'RabbitmqAuth',
    nonRetryable: true,
  });
});

test('the drain holds while the queue has messages ready, then unacknowledged, and passes once they are consumed', async () => {
  const producer = await connect('primary');
  const publish = await producer.createChannel();
  await publish.assertQueue(QUEUE, { durable: true });
  for (let i = 0; i < 5; i++)
    publish.sendToQueue(QUEUE, Buffer.from(JSON.stringify({ indicator: i })), { persistent: true });
  await publish.close();

  const drain = call('rabbitmqDrain', 'q2', args(), 'primary');
  // 4 s: several statistics intervals, so the counts the drain reads are fresh; it must still be waiting.
  expect(await settled(drain, 4000)).toBe(false);

  // A worker takes them without acknowledging yet: ready 0 but unacked 5 still holds the switch.
  const worker = await connect('primary');
  const channel = await worker.createChannel();
  await channel.prefetch(10);
  const taken: amqp.ConsumeMessage[] = [];
  await channel.consume(QUEUE, (message) => message && taken.push(message), { noAck: false });
  expect(await settled(drain, 4000)).toBe(false);
  expect(taken).toHaveLength(5);

  for (const message of taken) channel.ack(message);
  const out = await drain;
  expect(out.summary).toMatch(
    /queue on dc1: 1 platform queue\(s\) drained \(5 message\(s\) in flight at the start, 0 now/,
  );
  expect((out.facts.before as { name: string; ready: number }[])[0]).toMatchObject({ name: QUEUE, ready: 5 });
  await channel.close();
});

test("the fence closes the platform user's connections (CONNECTION_FORCED) and leaves other users' open", async () => {
  const platform = [await connect('primary'), await connect('primary')];
  const closedWith = platform.map(
    (c) => new Promise<string>((resolve) => c.on('close', (error?: Error) => resolve(String(error?.message)))),
  );
  const other = await connect('primary', 'drill');
  let otherClosed = false;
  other.on('close', () => (otherClosed = true));

  const fence = await call('rabbitmqFence', 'q3', args(), 'primary');
  expect(fence.summary).toMatch(/queue on dc1: fenced, \d+ connection\(s\) of opencti closed and none open/);
  for (const reason of await Promise.all(closedWith))
    expect(reason).toMatch(/CONNECTION_FORCED - drillbook: queue fenced on dc1 for the switch to dc2/);
  expect(otherClosed).toBe(false);
  expect((await call('rabbitmqFence', 'q3', args(), 'primary')).summary).toMatch(
    /0 connection\(s\) of opencti closed and none open/,
  );
});

test("after the switch the new site's platform queues need their consumers back", async () => {
  const producer = await connect('secondary');
  const channel = await producer.createChannel();
  await channel.assertQueue(QUEUE, { durable: true });
  const missing = await expectFailure(
    call('rabbitmqConsumers', 'q4', args({ waitTimeoutMs: 3000 }), 'secondary'),
    'ConsumersMissing',
  );
  expect(missing.message).toMatch(
    /queue on dc2: 1 platform queue\(s\) have fewer than 1 consumer\(s\) after 3s \(opencti\.push\.import [0?] ready\/[0?] unacked\/[0?] consumer\(s\)\)/,
  );
  // Counts are '?' while the queue is younger than the statistics interval (each field arrives on its
  // own: 0 ready, 0 unacked and '?' consumers was seen): unknown, and still a failure.

  const worker = await connect('secondary');
  const consuming = await worker.createChannel();
  await consuming.consume(QUEUE, (message) => message && consuming.ack(message));
  const back = await call('rabbitmqConsumers', 'q4', args(), 'secondary');
  expect(back.summary).toMatch(
    /queue on dc2: consumers are back on 1 platform queue\(s\) \(opencti\.push\.import 0 ready\/0 unacked\/1 consumer\(s\)\)/,
  );
  await expect(call('rabbitmqDrain', 'q4', args({ queues: '^nothing-here$' }), 'secondary')).rejects.toMatchObject({
    type: 'PlanInvalid',
    nonRetryable: true,
  });
});
