/**
 * Amazon MQ for RabbitMQ as the rabbitmq kind drives it (provider amazon-mq, tls: { ca }), against
 * the OpenCTI lab's real Debian rabbitmq-server 3.10 nodes in TLS-only mode (scripts/lab/rabbitmq.sh
 * with DRILLBOOK_LAB_RABBITMQ_TLS=only: AMQPS and the HTTPS management API, no plain listener, a
 * certificate signed by the lab CA that store/certificates.ts made at `up`), and moto's Amazon MQ for the
 * broker API. The canary goes in over amqps and comes out through the HTTPS management API; a client
 * that does not trust the broker's CA is refused and says which certificate; RebootBroker against
 * moto is not observed and fails closed.
 *
 * What this does not prove: Amazon MQ itself (its certificates chain to Amazon's root CAs, its
 * endpoints are b-<id>.mq.<region>.amazonaws.com on 5671 and 443, its management API may refuse
 * some calls a self-run node accepts). moto's reboot_broker changes nothing (moto/mq/models.py:
 * Broker.reboot is `pass`, BrokerState stays RUNNING): no reboot happens, so the only outcome this
 * file can show is the one where the reboot is not observed. A real reboot leaving RUNNING for
 * REBOOT_IN_PROGRESS and coming back is not exercised anywhere here.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { CreateBrokerCommand } from '@aws-sdk/client-mq';
import { createRabbitmqActivities } from '../kinds/rabbitmq/activities';
import { makeLabCertificates } from '../store/certificates';
import { expectFailure, startOpenctiLab, stepInput, switchArgs, type OpenctiLab } from './support/openctiLab';
import { failureOf, startMotoAws, type MotoAws } from './support/motoAws';
import { freePort, labOffsetFor } from './support/ports';
import type { SiteRole } from '../domain';
import type { RabbitmqAction, RabbitmqArgs } from '../kinds/rabbitmq/actions';

/** This file's ports when DRILLBOOK_TEST_PORTS is unset: jest runs two files at once, and the other labs' fallback bands are 26000-27999. */
const OWN_PORTS = { from: 31300, to: 31399 };

jest.setTimeout(180_000);

let lab: OpenctiLab;
let moto: MotoAws;
let acts: ReturnType<typeof createRabbitmqActivities>;

beforeAll(async () => {
  // Erlang distribution 787x and the TLS listeners 7876-7879: a TLS-only node's ports fit a band of eight.
  const offset = await labOffsetFor([7872, 7873, 7876, 7877, 7878, 7879], OWN_PORTS);
  lab = await startOpenctiLab(offset, ['rabbitmq'], { rabbitmqTls: 'only' });
  moto = await startMotoAws(await freePort(), mkdtempSync(path.join(os.tmpdir(), 'drillbook-mq-')));
  acts = createRabbitmqActivities({ aws: () => moto.clients });
});
afterAll(async () => {
  await lab?.destroy();
  await moto?.stop();
});

const https = (site: SiteRole) => `https://127.0.0.1:${lab.port('rabbitmqMgmtTls', site)}`;
const amqps = (site: SiteRole) => `amqps://127.0.0.1:${lab.port('rabbitmqAmqps', site)}`;
const args = (over: Partial<RabbitmqArgs> = {}): RabbitmqArgs => ({
  ...switchArgs('queue'),
  sites: {
    primary: { url: https('primary'), amqp: amqps('primary') },
    secondary: { url: https('secondary'), amqp: amqps('secondary') },
  },
  tls: { ca: { file: lab.caFile } },
  username: 'drill',
  password: lab.secret('rabbitmq-drill'),
  vhost: '/',
  queues: '^opencti\\.',
  maxMessages: 0,
  waitTimeoutMs: 10_000,
  statsIntervalMs: 1500,
  platformUsers: ['opencti'],
  minConsumers: 1,
  ...over,
});
const call = <A extends RabbitmqAction>(action: A, drillId: string, a: RabbitmqArgs, site?: SiteRole) =>
  acts[action](stepInput(drillId, action, a, site));

test('the canary goes in over amqps and comes out through the HTTPS management API, both verifying the lab CA', async () => {
  expect((await call('rabbitmqHealth', 't1', args(), 'secondary')).summary).toMatch(
    /queue on dc2: 1 node\(s\) running, no alarms, virtual host \/ up/,
  );
  const out = await call('rabbitmqCanary', 't1', args(), 'secondary');
  expect(out.summary).toMatch(
    new RegExp(
      `queue on dc2: canary published over amqps \\(TLSv1\\.[23], certificate localhost issued by drillbook lab CA, trusted through ${lab.caFile.replace(/[.]/g, '\\.')}\\), confirmed in \\d+ ms and read back through the management API in \\d+ ms`,
    ),
  );
  expect(out.facts).toMatchObject({
    site: 'secondary',
    endpoint: `127.0.0.1:${lab.port('rabbitmqAmqps', 'secondary')}`,
    readBack: true,
    tls: { subject: 'localhost', issuer: 'drillbook lab CA' },
  });
  // The message was taken off its queue and the queue deleted: nothing of the canary stays on the broker.
  const queues = await lab.lab('rabbitmqctl', 'secondary', 'list_queues', 'name', '--quiet');
  expect(queues).not.toContain('drillbook.canary');
  expect(queues).not.toContain(String(out.facts.queue));
});

test("a client without the broker's CA is refused and names the certificate; nothing is retried", async () => {
  // No tls block: the worker's default CAs, which do not include the lab's.
  const { tls: _dropped, ...noCa } = args();
  const api = await expectFailure(call('rabbitmqHealth', 't2', noCa, 'primary'), 'RabbitmqUntrustedCertificate');
  expect(api.message).toMatch(
    /the management API of queue on dc1 \(https:\/\/127\.0\.0\.1:\d+\) presented a certificate that this worker's default CAs \(the plan names no CA\) does not vouch for: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
  );
  await expect(call('rabbitmqHealth', 't2', noCa, 'primary')).rejects.toMatchObject({ nonRetryable: true });

  // Another CA than the one that signed the broker's certificate: the canary's amqps connection is refused too.
  const other = await makeLabCertificates(mkdtempSync(path.join(os.tmpdir(), 'drillbook-other-ca-')));
  const wrongCa = args({ tls: { ca: { file: other.caFile } } });
  const amqp = await expectFailure(call('rabbitmqCanary', 't2', wrongCa, 'primary'), 'RabbitmqUntrustedCertificate');
  expect(amqp.message).toMatch(
    new RegExp(
      `queue on dc1 \\(amqps://127\\.0\\.0\\.1:\\d+\\) presented a certificate that the CA bundle ${other.caFile.replace(/[.]/g, '\\.')} \\(components\\.queue\\.tls\\.ca\\) does not vouch for: SELF_SIGNED_CERT_IN_CHAIN`,
    ),
  );
  // RabbitMQ sends its chain with the lab CA in it (ssl_options.cacertfile): a root this bundle does not hold.
  expect(amqp.facts).toMatchObject({ certificate: 'SELF_SIGNED_CERT_IN_CHAIN', ca: other.caFile });
});

test('RebootBroker against moto: accepted, but BrokerState never leaves RUNNING, so the step fails closed as not observed', async () => {
  // moto fakes the broker API only: the broker it creates runs nothing and its reboot is a no-op.
  const created = await moto.clients.mq('eu-west-1').send(
    new CreateBrokerCommand({
      BrokerName: 'opencti-mq',
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      HostInstanceType: 'mq.m5.large',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      Users: [{ Username: 'drill', Password: 'not-a-real-secret-0' }],
    }),
  );
  const id = String(created.BrokerId);
  const withBroker = args({
    sites: { ...args().sites, primary: { ...args().sites.primary, broker: { id, region: 'eu-west-1' } } },
    rebootTimeoutMs: 3000,
  });
  const started = Date.now();
  const failure = await expectFailure(call('rabbitmqRebootBroker', 't3', withBroker, 'primary'), 'MqRebootNotObserved');
  // The whole reboot timeout was spent watching for the state change: the step did not give up early.
  expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  expect(failure.message).toMatch(
    new RegExp(
      `Amazon MQ broker ${id} in eu-west-1 \\(queue on dc1\\): RebootBroker was accepted but BrokerState stayed RUNNING for 3s \\(states seen: RUNNING at 0\\.\\ds\\): the reboot was not observed, so the drill does not claim it`,
    ),
  );
  expect(failure.facts).toMatchObject({
    broker: id,
    region: 'eu-west-1',
    deploymentMode: 'CLUSTER_MULTI_AZ',
    states: [{ state: 'RUNNING' }],
  });
  expect(typeof failure.facts.rebootRequestedAt).toBe('string');
  await expect(call('rabbitmqRebootBroker', 't3', withBroker, 'primary')).rejects.toMatchObject({ nonRetryable: true });

  // A broker id the account does not have: the plan is wrong, said once, not retried.
  const unknown = args({
    sites: {
      ...args().sites,
      primary: {
        ...args().sites.primary,
        broker: { id: 'b-00000000-0000-0000-0000-000000000000', region: 'eu-west-1' },
      },
    },
    rebootTimeoutMs: 3000,
  });
  const missing = await failureOf(call('rabbitmqRebootBroker', 't3', unknown, 'primary'));
  expect(missing).toMatchObject({ nonRetryable: true });
  expect(missing?.message).toMatch(
    /Amazon MQ broker b-0{8}-0{4}-0{4}-0{4}-0{12} in eu-west-1 \(queue on dc1\): NotFoundException: .*check components\.queue\.primary\.broker/,
  );
});
