/**
 * `kind: elasticache`: defaults (TLS on), refusals naming the field and what is accepted (an inline
 * AUTH token above all), and the runbook each mode gets: a guard, one destructive managed failover
 * bounded by waitTimeout, the canary verified on the new side. Pure: the real loader and compiler.
 */
import { idsOf, phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const globalDatastore = (more: Record<string, unknown> = {}) => ({
  cache: {
    kind: 'elasticache',
    mode: 'global-datastore',
    globalReplicationGroup: 'ldgnf-opencti-cache',
    authToken: { env: 'OPENCTI_REDIS_AUTH' },
    tls: { ca: { file: '/etc/drillbook/amazon-root-ca.pem' } },
    primary: {
      region: 'eu-west-1',
      replicationGroup: 'opencti-cache-euw1',
      host: 'master.opencti-cache-euw1.abc123.euw1.cache.amazonaws.com',
    },
    secondary: {
      region: 'eu-central-1',
      replicationGroup: 'opencti-cache-euc1',
      host: 'master.opencti-cache-euc1.def456.euc1.cache.amazonaws.com',
    },
    ...more,
  },
});
const multiAz = (more: Record<string, unknown> = {}) => ({
  cache: {
    kind: 'elasticache',
    mode: 'multi-az',
    authToken: { file: '/run/secrets/redis-auth' },
    primary: {
      replicationGroup: 'opencti-cache',
      member: 'opencti-cache-001',
      host: 'opencti-cache-001.x.cache.amazonaws.com',
    },
    secondary: {
      replicationGroup: 'opencti-cache',
      member: 'opencti-cache-002',
      host: 'opencti-cache-002.x.cache.amazonaws.com',
    },
    ...more,
  },
});

test('a minimal ElastiCache component gets TLS on, node group 0001, 20 minutes of waiting looked at every 10 s', () => {
  expect(planWith(multiAz()).components.cache).toEqual({
    kind: 'elasticache',
    tier: 'database',
    mode: 'multi-az',
    nodeGroup: '0001',
    tls: {},
    authToken: { file: '/run/secrets/redis-auth' },
    catchUpTimeout: 30_000,
    waitTimeout: 1_200_000,
    pollInterval: 10_000,
    primary: {
      replicationGroup: 'opencti-cache',
      member: 'opencti-cache-001',
      host: 'opencti-cache-001.x.cache.amazonaws.com',
      port: 6379,
    },
    secondary: {
      replicationGroup: 'opencti-cache',
      member: 'opencti-cache-002',
      host: 'opencti-cache-002.x.cache.amazonaws.com',
      port: 6379,
    },
  });
});

test('an AUTH token written inline is refused: a plan names where the worker finds it', () => {
  expect(refusalsOf(globalDatastore({ authToken: 'correct-horse-battery-staple' }))).toEqual([
    'components.cache.authToken: expected a secret reference, never the secret itself: write { env: VAR } or { file: PATH }',
  ]);
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(globalDatastore({ tls: true }))).toEqual([
    "components.cache.tls: expected { ca: { file: PATH } } (the CA the endpoint chains to), {} to trust the worker's own root CAs, or false for a group without in-transit encryption",
  ]);
  expect(refusalsOf(globalDatastore({ tls: { ca: '-----BEGIN CERTIFICATE-----' } }))).toEqual([
    'components.cache.tls.ca: expected a secret reference, never the secret itself: write { env: VAR } or { file: PATH }',
  ]);
  expect(refusalsOf(globalDatastore({ mode: 'cluster' }))).toEqual([
    'components.cache.mode: expected one of "multi-az"|"global-datastore"',
  ]);
  expect(refusalsOf(globalDatastore({ globalReplicationGroup: undefined }))).toEqual([
    'components.cache.globalReplicationGroup: mode global-datastore needs globalReplicationGroup',
  ]);
  expect(
    refusalsOf(
      globalDatastore({
        secondary: {
          region: 'eu-west-1',
          replicationGroup: 'opencti-cache-euw1',
          host: 'h',
          member: 'opencti-cache-001',
        },
      }),
    ),
  ).toEqual([
    'components.cache.secondary.region: must differ from primary.region: a Global Datastore spans regions',
    'components.cache.secondary.replicationGroup: must differ from primary.replicationGroup: each region has its own',
    'components.cache.secondary.member: only mode multi-az names a member; a Global Datastore switches whole regions',
  ]);
  expect(
    refusalsOf(
      multiAz({
        secondary: { replicationGroup: 'opencti-cache', member: 'opencti--cache-002', host: 'h', port: 70000 },
      }),
    ),
  ).toEqual([
    'components.cache.secondary.member: expected an ElastiCache id: a letter, then letters, digits and single dashes (at most 50), not ending in a dash',
    'components.cache.secondary.port: expected a port number from 1 to 65535',
  ]);
  expect(refusalsOf(multiAz({ secondary: { replicationGroup: 'opencti-cache-b', host: 'h' } }))).toEqual([
    'components.cache.secondary.replicationGroup: mode multi-az fails over inside one replication group: expected opencti-cache, as primary.replicationGroup',
    "components.cache.secondary.member: mode multi-az needs each site's member: the node that is primary while it serves",
  ]);
});

test('both sites naming one endpoint are refused: the canary could not tell the sides apart', () => {
  expect(
    refusalsOf(
      multiAz({
        secondary: {
          replicationGroup: 'opencti-cache',
          member: 'opencti-cache-002',
          host: 'opencti-cache-001.x.cache.amazonaws.com',
        },
      }),
    ),
  ).toEqual([
    "components.cache.secondary.host: must differ from primary's endpoint (opencti-cache-001.x.cache.amazonaws.com:6379): the canary is written on one side and read on the other, so each site names its own node's endpoint (multi-az: the member's; global-datastore: the region's primary endpoint)",
  ]);
});

test('a drill guards, then makes one destructive Global Datastore failover, and verifies the canary on the new side', () => {
  const plan = planWith(globalDatastore({ waitTimeout: '15m', catchUpTimeout: '10s' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failover.cache.guard.secondary', 'elasticacheGuard', 'secondary', false],
    ['failover.cache.activate.secondary', 'elasticacheActivate', 'secondary', true],
  ]);
  const activate = stepById(failover, 'failover.cache.activate.secondary');
  expect(activate.title).toBe(
    'Fail the Global Datastore ldgnf-opencti-cache over to opencti-cache-euc1 (eu-central-1) (FailoverGlobalReplicationGroup), wait until that region is primary',
  );
  expect(activate).toMatchObject({
    timeoutMs: 960_000,
    args: {
      mode: 'global-datastore',
      tls: { ca: { file: '/etc/drillbook/amazon-root-ca.pem' } },
      password: { env: 'OPENCTI_REDIS_AUTH' },
      waitTimeoutMs: 900_000,
      catchUpTimeoutMs: 10_000,
      from: 'primary',
      to: 'secondary',
      planned: true,
    },
  });
  expect(stepById(failover, 'failover.cache.guard.secondary').title).toBe(
    "Refuse to fail cache over to dc2 unless CloudWatch's GlobalDatastoreReplicationLag is within the RPO; write a canary key on dc1 and read it on dc2",
  );
  expect(phaseSteps(plan, 'drill', 'failover-check').map((s) => [s.id, s.action])).toEqual([
    ['failover-check.cache.health.secondary', 'elasticacheHealth'],
    ['failover-check.cache.verify.secondary', 'elasticacheVerify'],
  ]);
  // Failback is the same failover the other way.
  expect(idsOf(phaseSteps(plan, 'drill', 'failback'))).toEqual([
    'failback.cache.guard.primary',
    'failback.cache.activate.primary',
  ]);
});

test('in an outage the secondary region is promoted, DisassociateGlobalReplicationGroup if ElastiCache refuses the failover', () => {
  const outage = phaseSteps(planWith(globalDatastore()), 'failover', 'failover');
  expect(stepById(outage, 'failover.cache.activate.secondary')).toMatchObject({
    title:
      'Promote opencti-cache-euc1 (eu-central-1) (FailoverGlobalReplicationGroup; should ElastiCache refuse it, DisassociateGlobalReplicationGroup leaves it a standalone primary), wait until it takes writes',
    args: { planned: false },
  });
  expect(stepById(outage, 'failover.cache.guard.secondary').title).toBe(
    "Record cache's replication lag on dc2 and write a canary key if dc1 still answers",
  );
});

test('Multi-AZ: TestFailover of the node group, and TLS off only when the plan says so', () => {
  const plan = planWith(multiAz({ tls: false, nodeGroup: '0002' }));
  const activate = stepById(phaseSteps(plan, 'drill', 'failover'), 'failover.cache.activate.secondary');
  expect(activate.title).toBe(
    'Fail cache over to node opencti-cache-002 of opencti-cache: TestFailover of node group 0002, wait until that node is primary and the group available',
  );
  expect((activate.args as { tls?: unknown }).tls).toBeUndefined();
  expect(stepById(phaseSteps(plan, 'drill', 'preparation'), 'preparation.cache.preflight.primary').title).toBe(
    'Check cache: node opencti-cache-001 of opencti-cache is primary and available, node opencti-cache-002 of opencti-cache ready; both endpoints answer over TCP with the AUTH token',
  );
});
