/**
 * `kind: rabbitmq`: one RabbitMQ per site. Defaults, refusals naming the field (its producers
 * must be workloads of a kubernetes component), and the switch (producers stopped and the old
 * site's queues drained before the fence closes the platform's connections; consumers back on the
 * new site after; an outage waits for nothing on the lost site); Amazon MQ (provider amazon-mq, tls:
 * TLS-only URLs refused otherwise, the broker's reboot in the approved pre-reboot phase, the amqps
 * canary). Pure: the real loader and compiler.
 */
import { idsOf, phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';
import { compileRunbook } from '../../workflows/runbook/compile';
import { platformDefinitions } from './reprotect';

const platform = {
  kind: 'kubernetes',
  workloads: [{ name: 'opencti-platform', replicas: 3 }, { name: 'connector-mitre' }, { name: 'connector-abuseipdb' }],
  primary: { kubeconfig: '/etc/drillbook/kube/euw1', namespace: 'opencti' },
  secondary: { kubeconfig: '/etc/drillbook/kube/euc1', namespace: 'opencti' },
};
const queue = (more: Record<string, unknown> = {}) => ({
  queue: {
    kind: 'rabbitmq',
    username: 'drillbook',
    password: { env: 'MQ_PW' },
    platformUsers: ['opencti'],
    primary: { url: 'http://mq-euw1:15672' },
    secondary: { url: 'http://mq-euc1:15672' },
    ...more,
  },
});

test('a minimal broker pair gets the documented defaults', () => {
  expect(planWith(queue()).components.queue).toMatchObject({
    tier: 'database',
    vhost: '/',
    maxMessages: 0,
    waitTimeout: 120_000,
    statsInterval: 5000,
    minConsumers: 1,
    platformUsers: ['opencti'],
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(queue({ platformUsers: [] }))).toEqual([
    'components.queue.platformUsers: expected the users the platform, workers and connectors log in as',
  ]);
  expect(refusalsOf(queue({ queues: '^(push|listen' }))).toEqual([
    'components.queue.queues: expected a regular expression such as "^opencti\\\\."',
  ]);
  expect(
    refusalsOf({ ...queue({ producers: { kubernetes: 'platform', workloads: ['connector-misp'] } }), platform }),
  ).toEqual([
    'components.queue.producers.workloads[0]: "connector-misp" is not one of components.platform.workloads (opencti-platform, connector-mitre, connector-abuseipdb)',
  ]);
});

test("a failover stops the producers and drains the old site's queues before the fence; consumers are verified on the new site", () => {
  const plan = planWith({
    platform,
    ...queue({
      waitTimeout: '10m',
      maxMessages: 5,
      producers: { kubernetes: 'platform', workloads: ['connector-mitre', 'connector-abuseipdb'] },
    }),
  });
  const failover = phaseSteps(plan, 'drill', 'failover');
  const ids = idsOf(failover);
  // The producers stop and the queues drain while the platform still consumes; the fence closes
  // what its users still hold once the app tier stopped, before the new site starts.
  expect(ids).toEqual([
    'failover.queue.stop-producers.primary',
    'failover.queue.drain.primary',
    'failover.platform.stop.primary',
    'failover.queue.fence.primary',
    'failover.platform.start.secondary',
  ]);
  expect(stepById(failover, 'failover.queue.stop-producers.primary')).toMatchObject({
    action: 'kubernetesStop',
    site: 'primary',
    destructive: true,
    args: { workloads: [{ name: 'connector-mitre' }, { name: 'connector-abuseipdb' }] },
  });
  expect(stepById(failover, 'failover.queue.drain.primary')).toMatchObject({
    action: 'rabbitmqDrain',
    site: 'primary',
    destructive: false,
    timeoutMs: 660_000,
    args: { maxMessages: 5, waitTimeoutMs: 600_000 },
  });
  expect(stepById(failover, 'failover.queue.fence.primary')).toMatchObject({
    action: 'rabbitmqFence',
    destructive: true,
    args: { platformUsers: ['opencti'] },
  });
  expect(
    stepById(phaseSteps(plan, 'drill', 'failover-check'), 'failover-check.queue.consumers.secondary'),
  ).toMatchObject({ action: 'rabbitmqConsumers', args: { minConsumers: 1 } });
});

test("in a real outage nothing waits for the lost site's queues, and its fence is best effort", () => {
  const outage = phaseSteps(planWith(queue()), 'failover', 'failover');
  expect(outage.map((s) => [s.id, s.bestEffort])).toEqual([['failover.queue.fence.primary', true]]);
});

const BROKER_A = 'b-1234abcd-56ef-78ab-90cd-1234567890ab';
const BROKER_B = 'b-9876fedc-56ef-78ab-90cd-1234567890ab';
const amazonMq = (more: Record<string, unknown> = {}) =>
  queue({
    provider: 'amazon-mq',
    tls: { ca: { file: '/etc/drillbook/amazon-root-cas.pem' } },
    rebootTimeout: '20m',
    primary: {
      url: `https://${BROKER_A}.mq.eu-west-1.amazonaws.com`,
      amqp: `amqps://${BROKER_A}.mq.eu-west-1.amazonaws.com:5671`,
      broker: { id: BROKER_A, region: 'eu-west-1' },
    },
    secondary: {
      url: `https://${BROKER_B}.mq.eu-central-1.amazonaws.com`,
      amqp: `amqps://${BROKER_B}.mq.eu-central-1.amazonaws.com:5671`,
      broker: { id: BROKER_B, region: 'eu-central-1' },
    },
    ...more,
  });

test('plan check refuses a plain URL beside a tls block or for Amazon MQ, and Amazon MQ without TLS, naming the field', () => {
  expect(
    refusalsOf(
      queue({
        tls: { ca: { file: '/etc/ca.pem' } },
        primary: { url: 'http://mq-euw1:15672', amqp: 'amqp://mq-euw1:5672' },
        secondary: { url: 'https://mq-euc1:15671', amqp: 'amqps://mq-euc1:5671' },
      }),
    ),
  ).toEqual([
    'components.queue.primary.url: the component has a tls block: expected the management API over https, such as https://b-1234.mq.eu-west-1.amazonaws.com; got "http://mq-euw1:15672"',
    'components.queue.primary.amqp: the component has a tls block: expected an amqps URL, such as amqps://b-1234.mq.eu-west-1.amazonaws.com:5671; got "amqp://mq-euw1:5672"',
  ]);
  const noTls = amazonMq({ tls: undefined });
  expect(refusalsOf(noTls)).toEqual([
    "components.queue.tls: Amazon MQ accepts TLS only (amqps, the management API over https): expected tls: { ca: { file: PATH } } naming the CA bundle (Amazon's root CAs)",
  ]);
  expect(refusalsOf(amazonMq({ tls: undefined, secondary: { url: 'http://mq-euc1:15672' } })).slice(1)).toEqual([
    'components.queue.secondary.url: Amazon MQ accepts TLS only: expected the management API over https, such as https://b-1234.mq.eu-west-1.amazonaws.com; got "http://mq-euc1:15672"',
  ]);
});

test('plan check refuses a broker outside Amazon MQ, a broker beside a reboot driver, an inline CA and a bad endpoint', () => {
  expect(
    refusalsOf(queue({ primary: { url: 'http://mq-euw1:15672', broker: { id: BROKER_A, region: 'eu-west-1' } } })),
  ).toEqual([
    "components.queue.primary.broker: a broker id is Amazon MQ's: expected provider: amazon-mq with it, or no broker",
  ]);
  expect(
    refusalsOf(
      amazonMq({
        primary: {
          url: `https://${BROKER_A}.mq.eu-west-1.amazonaws.com`,
          broker: { id: BROKER_A, region: 'eu-west-1' },
          reboot: { command: ['aws', 'mq', 'reboot-broker'] },
        },
      }),
    ),
  ).toEqual([
    "components.queue.primary.reboot: this site's broker is rebooted through the Amazon MQ API (RebootBroker): expected either broker or reboot, not both",
  ]);
  expect(refusalsOf(amazonMq({ tls: { ca: '-----BEGIN CERTIFICATE-----' } }))).toEqual([
    'components.queue.tls.ca: expected the CA bundle as { file: PATH } (a PEM file)',
  ]);
  expect(
    refusalsOf(queue({ primary: { url: 'http://mq-euw1:15672', amqp: 'amqps://drill:hunter2@mq-euw1:5671' } })),
  ).toEqual([
    expect.stringMatching(
      /^components\.queue\.primary\.amqp: credentials in a URL are secrets kept in the drill's history, and this one has a password/,
    ),
  ]);
  expect(refusalsOf(amazonMq({ primary: { url: 'https://mq', broker: { id: 'mq-1', region: 'Ireland' } } }))).toEqual([
    'components.queue.primary.broker.id: expected an Amazon MQ broker id such as b-1234abcd-56ef-78ab-90cd-1234567890ab',
    'components.queue.primary.broker.region: expected an AWS region such as eu-west-1',
  ]);
});

test("Amazon MQ: the broker's reboot is the pre-reboot phase's approved, destructive, single-attempt step, and the canary proves the AMQPS listener after it and on the new site after a switch", () => {
  const plan = planWith(amazonMq());
  expect(plan.components.queue).toMatchObject({ provider: 'amazon-mq', rebootTimeout: 1_200_000 });
  const runbook = compileRunbook(plan, 'drill');
  const preReboot = runbook.phases.find((p) => p.id === 'pre-reboot');
  expect(preReboot?.needsApproval).toBe(true);
  expect(idsOf(preReboot?.steps ?? [])).toEqual([
    'pre-reboot.queue.reboot-broker.primary',
    'pre-reboot.queue.health.primary',
    'pre-reboot.queue.canary.primary',
  ]);
  expect(stepById(preReboot?.steps ?? [], 'pre-reboot.queue.reboot-broker.primary')).toMatchObject({
    action: 'rabbitmqRebootBroker',
    site: 'primary',
    destructive: true,
    timeoutMs: 1_260_000,
    retry: { maximumAttempts: 1 },
    args: { rebootTimeoutMs: 1_200_000, sites: { primary: { broker: { id: BROKER_A, region: 'eu-west-1' } } } },
  });
  expect(stepById(phaseSteps(plan, 'drill', 'failover-check'), 'failover-check.queue.canary.secondary')).toMatchObject({
    action: 'rabbitmqCanary',
    site: 'secondary',
    args: { tls: { ca: { file: '/etc/drillbook/amazon-root-cas.pem' } } },
  });
  // The check phase only looks: nothing reboots outside the approved pre-reboot phase.
  expect(phaseSteps(plan, 'drill', 'check').map((s) => s.action)).toEqual(['rabbitmqHealth']);
  expect(compileRunbook(plan, 'failover').phases.flatMap((p) => p.steps.map((s) => s.action))).not.toContain(
    'rabbitmqRebootBroker',
  );
});

test('a self-hosted plan without amqp, tls or broker compiles to the same arguments as before them', () => {
  const steps = compileRunbook(planWith(queue()), 'drill').phases.flatMap((p) => p.steps);
  expect(steps.map((s) => s.action)).not.toContain('rabbitmqCanary');
  for (const step of steps.filter((s) => s.action.startsWith('rabbitmq'))) {
    expect(Object.keys(step.args).sort()).not.toEqual(expect.arrayContaining(['tls']));
    expect((step.args as { sites: Record<string, object> }).sites).toEqual({
      primary: { url: 'http://mq-euw1:15672' },
      secondary: { url: 'http://mq-euc1:15672' },
    });
  }
});

test("OpenCTI's connector-queues check reads an Amazon MQ broker with the component's CA; a plain broker's check is as before", () => {
  const tip = {
    primary: { url: 'https://opencti-euw1.example.com', token: { env: 'T' }, healthKey: { env: 'K' } },
    secondary: { url: 'https://opencti-euc1.example.com', token: { env: 'T' }, healthKey: { env: 'K' } },
    recovery: { rabbitmq: 'queue' },
    checks: { streams: 'off' },
  };
  const queuesCheck = (components: Record<string, unknown>) =>
    compileRunbook(planWith(components, { platform: 'opencti', tip }), 'drill')
      .phases.flatMap((p) => p.steps)
      .find((s) => s.action === 'tipQueues');
  expect(queuesCheck(amazonMq())?.args).toMatchObject({
    rabbitmq: {
      primary: { url: `https://${BROKER_A}.mq.eu-west-1.amazonaws.com`, ca: '/etc/drillbook/amazon-root-cas.pem' },
      secondary: { url: `https://${BROKER_B}.mq.eu-central-1.amazonaws.com`, ca: '/etc/drillbook/amazon-root-cas.pem' },
    },
  });
  expect((queuesCheck(queue())?.args as { rabbitmq: Record<string, object> }).rabbitmq.primary).toEqual({
    url: 'http://mq-euw1:15672',
    username: 'drillbook',
    password: { env: 'MQ_PW' },
    vhost: '/',
  });
});

test("reprotect waits for the returned broker, closes the platform's connections there and re-declares the serving side's queues on it", () => {
  const plan = planWith(queue({ queues: '^opencti\\.' }));
  const steps = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(steps.map((s) => [s.id, s.segment, s.action, s.site, s.destructive])).toEqual([
    ['reprotect.queue.await-return.primary', 'await', 'rabbitmqAwaitReturn', 'primary', false],
    ['reprotect.queue.fence.primary', 'fence', 'rabbitmqFence', 'primary', true],
    ['reprotect.queue.redeclare.primary', 'resync', 'rabbitmqRedeclare', 'primary', true],
  ]);
  expect(phaseSteps(plan, 'reprotect', 'reprotect-check').map((s) => [s.action, s.site])).toEqual([
    ['rabbitmqQueuesPresent', 'primary'],
  ]);
});

test("the definitions re-declared are the serving side's platform queues, the exchanges bound to them and those bindings", () => {
  const args = { vhost: '/', queues: '^opencti\\.', component: 'queue' } as Parameters<typeof platformDefinitions>[1];
  const q = (name: string, vhost = '/') => ({ name, vhost, durable: true, auto_delete: false, arguments: {} });
  const e = (name: string) => ({
    name,
    vhost: '/',
    type: 'topic',
    durable: true,
    auto_delete: false,
    internal: false,
    arguments: {},
  });
  const b = (source: string, destination: string, destination_type: 'queue' | 'exchange' = 'queue') => ({
    source,
    vhost: '/',
    destination,
    destination_type,
    routing_key: '#',
    arguments: {},
  });
  const picked = platformDefinitions(
    {
      queues: [
        q('opencti.push'),
        q('opencti.listen'),
        q('other'),
        q('opencti.elsewhere', '/other'),
        { ...q('opencti.own'), vhost: undefined },
      ],
      exchanges: [e('opencti.x'), e('unrelated'), e('amq.topic')],
      bindings: [
        b('opencti.x', 'opencti.push'),
        b('amq.topic', 'opencti.listen'),
        b('unrelated', 'other'),
        b('opencti.x', 'unrelated', 'exchange'),
      ],
    },
    args,
  );
  // A vhost's own export carries no vhost on its items: they are that vhost's.
  expect(picked.queues.map((x) => x.name)).toEqual(['opencti.push', 'opencti.listen', 'opencti.own']);
  // amq.* exchanges exist on every node: never declared.
  expect(picked.exchanges.map((x) => x.name)).toEqual(['opencti.x']);
  expect(picked.bindings.map((x) => `${x.source}->${x.destination}`)).toEqual([
    'opencti.x->opencti.push',
    'amq.topic->opencti.listen',
  ]);
});
