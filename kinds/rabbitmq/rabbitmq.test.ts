/**
 * `kind: rabbitmq`: one RabbitMQ per site. Defaults, refusals naming the field (its producers
 * must be workloads of a kubernetes component), and the switch (producers stopped and the old
 * site's queues drained before the fence closes the platform's connections; consumers back on the
 * new site after; an outage waits for nothing on the lost site). Pure: the real loader and compiler.
 */
import { idsOf, phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

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
