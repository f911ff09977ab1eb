/**
 * The OpenCTI lab through a site loss, on real servers (scripts/lab/opencti.sh, every port packed
 * into this run's DRILLBOOK_TEST_PORTS): two Redis, two RabbitMQ, two OpenSearch clusters, moto for
 * S3, two Kubernetes control planes (tools/k8s) and the stand-in platform per site (lab/opencti/:
 * not OpenCTI). Every primary-site server is SIGKILLed while a watch writes to both Redis nodes every
 * 100 ms; plans/opencti-lab.yaml is drilled in failover mode; the old site is restarted with its
 * normal start (as after a power cut: Redis on its own append-only file, etcd bringing the old
 * Deployments back); its Redis refuses writes from its own configuration, and the reprotect drill
 * fences the old Deployments at 0, makes the old Redis a replica, restores OpenSearch the other way,
 * re-declares the queues and reverses S3's replication; then a planned failback succeeds and its
 * canaries prove the way back.
 * moto stores replication rules but copies nothing: the S3 part proves the reversed rule is stored,
 * never that objects cross (the plan's copy step carries the canary).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import type { DrillMode, DrillRecord, SiteRole } from '../domain';
import { driveDrill } from './support/operators';
import { PACKED_PORTS, ROOT, startOpenctiLab, type OpenctiLab } from './support/openctiLab';
import { labOffsetFor } from './support/ports';
import { watchRedisWriters } from './support/redisWatch';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

jest.setTimeout(1_500_000);
const run = promisify(execFile);

/** plans/opencti-lab.yaml with this lab's ports and folder. */
function labPlan(lab: OpenctiLab): string {
  const ports: [number, number][] = [
    [7090, lab.port('platform', 'primary')],
    [7091, lab.port('platform', 'secondary')],
    [7379, lab.port('redis', 'primary')],
    [7380, lab.port('redis', 'secondary')],
    [7772, lab.port('rabbitmqMgmt', 'primary')],
    [7773, lab.port('rabbitmqMgmt', 'secondary')],
    [7250, lab.port('opensearch', 'primary')],
    [7251, lab.port('opensearch', 'secondary')],
    [7566, lab.s3Port],
  ];
  let text = readFileSync(path.join(ROOT, 'plans', 'opencti-lab.yaml'), 'utf8').replaceAll('data/lab-opencti', lab.dir);
  for (const [from, to] of ports) text = text.replace(new RegExp(`(?<![0-9])${from}(?![0-9])`, 'g'), String(to));
  return text;
}

const PRIMARY_SERVERS = ['platform', 'kubernetes', 'redis', 'rabbitmq', 'opensearch'] as const;

describe('the OpenCTI lab through a site loss', () => {
  let lab: OpenctiLab;
  let client: Client;
  let worker: RunningWorker;
  const queue = uniqueQueue('opencti-site-loss');
  const saved = { ...process.env };

  beforeAll(async () => {
    const base = await labOffsetFor(
      Array.from({ length: PACKED_PORTS }, (_, i) => i),
      { from: 26500, to: 26599 },
    );
    lab = await startOpenctiLab(0, ['kubernetes', 'redis', 'rabbitmq', 'opensearch', 's3', 'platform'], {
      portBase: base,
    });
    // The plan's commands (recoveryState, the S3 copy) run in the worker's environment: this lab's.
    Object.assign(process.env, {
      DRILLBOOK_LAB_DIR: lab.dir,
      DRILLBOOK_LAB_PORT_BASE: String(base),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    client = await testClient();
    worker = await startTestWorker(queue);
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await lab?.destroy();
    process.env = saved;
  });

  const drill = async (mode: DrillMode): Promise<DrillRecord> => {
    const handle = await startDrill(client, queue, {
      target: 'opencti-lab',
      requestedBy: 'oncall',
      planYaml: labPlan(lab),
      reason: `site-loss test: ${mode}`,
      mode,
    });
    const record = await driveDrill(client, handle.workflowId, {
      approvers: ['alice', 'bob', 'carol'],
      operator: 'oncall',
      timeoutMs: 600_000,
    });
    // The record says succeeded a moment before the workflow itself ends: the next drill waits for it.
    if (record.status === 'succeeded') await handle.result();
    return record;
  };
  const failedSteps = (record: DrillRecord) =>
    record.steps.filter((s) => s.status !== 'succeeded').map((s) => `${s.id}: ${s.status} ${s.error ?? ''}`);
  const summary = (record: DrillRecord, id: string) =>
    record.steps.find((s) => s.id === id)?.summary ?? `(no step ${id}: ${record.steps.map((s) => s.id).join(', ')})`;
  const kubectl = async (site: SiteRole, ...args: string[]) => (await lab.lab('kubectl', site, ...args)).trim();
  const replicasOn = async (site: SiteRole) =>
    kubectl(
      site,
      '-n',
      'opencti',
      'get',
      'deployments',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.spec.replicas} {end}',
    );
  const redisRole = async (site: SiteRole) =>
    (
      await run('redis-cli', ['-p', String(lab.port('redis', site)), '--no-auth-warning', 'ROLE'], {
        env: { ...process.env, REDISCLI_AUTH: lab.secretValue('redis') },
      })
    ).stdout.split('\n')[0];

  it('fails over under writes, comes back fenced, is reprotected and fails back', async () => {
    const watch = watchRedisWriters(
      { primary: lab.port('redis', 'primary'), secondary: lab.port('redis', 'secondary') },
      lab.secretValue('redis'),
    );
    await watch.until((w) => w.answers.primary.writable >= 5, 30_000);

    // What the primary's scheduled snapshots would hold at the loss (the seed's managed OpenSearch
    // takes them hourly): an outage restores the newest one, there being no final snapshot.
    const search = `http://127.0.0.1:${lab.port('opensearch', 'primary')}`;
    const put = async (url: string, body: unknown) => {
      const res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect([res.status, await res.text()]).toEqual([200, expect.any(String)]);
    };
    await put(`${search}/_snapshot/opencti-shared`, { type: 'fs', settings: { location: 'opencti-shared' } });
    await put(`${search}/_snapshot/opencti-shared/scheduled-1?wait_for_completion=true`, {
      indices: 'opencti_*',
      include_global_state: false,
    });

    // The site loss: every primary-site server SIGKILLed at once (moto, shared by both sites, stays).
    await Promise.all(PRIMARY_SERVERS.map((server) => lab.lab('kill', server, 'primary')));

    const failover = await drill('failover');
    // The failover's steps on the dead site are best-effort: they may fail; nothing else may.
    expect(
      failover.steps
        .filter((s) => s.status !== 'succeeded' && !(s.site === 'primary' && s.status === 'best-effort-failed'))
        .map((s) => `${s.id}: ${s.status} ${s.error ?? ''}`),
    ).toEqual([]);
    expect(failover.status).toBe('succeeded');
    expect(await redisRole('secondary')).toBe('master');

    // The old site returns on its own data, with its normal start (as `drillbook lab return` does).
    for (const server of ['kubernetes', 'redis', 'rabbitmq', 'opensearch', 'platform'])
      await lab.lab('start', server, 'primary');
    // Its control plane brought the old Deployments back with their old counts.
    expect(await replicasOn('primary')).toMatch(/opencti-platform=2/);
    // Its Redis came back as a replica from its own configuration: it refuses writes while dc2 serves.
    const afterReturn = await watch.until((w) => w.answers.primary['not writable'] >= 10, 60_000);
    expect(afterReturn.bothWritable).toEqual([]);
    expect(await redisRole('primary')).toBe('slave');

    const reprotect = await drill('reprotect');
    expect(failedSteps(reprotect)).toEqual([]);
    expect(reprotect.status).toBe('succeeded');
    // Workloads fenced at 0 as soon as the API server answered, and still at 0 at the check.
    expect(summary(reprotect, 'reprotect.platform.await-return.primary')).toMatch(/fenced at once/);
    expect(await replicasOn('primary')).not.toMatch(/=[1-9]/);
    expect(summary(reprotect, 'reprotect-check.cache.reprotected.primary')).toMatch(
      /replicates from lab-fra, link up, caught up/,
    );
    expect(summary(reprotect, 'reprotect.search.restore.primary')).toMatch(/restored/);
    expect(summary(reprotect, 'reprotect-check.search.restored.primary')).toMatch(/canary found/);
    expect(summary(reprotect, 'reprotect-check.queue.queues-present.primary')).toMatch(/platform queue\(s\) present/);
    expect(summary(reprotect, 'reprotect-check.files.reversed.primary')).toMatch(
      /opencti-secondary replicates to opencti-primary/,
    );

    const failback = await drill('failback');
    expect(failedSteps(failback)).toEqual([]);
    expect(failback.status).toBe('succeeded');
    expect(summary(failback, 'failback-check.cache.verify.primary')).toMatch(/canary found/);
    expect(summary(failback, 'failback-check.files.verify.primary')).toMatch(/canary object found/);
    expect(await redisRole('primary')).toBe('master');
    expect(await redisRole('secondary')).toBe('slave');

    const watched = await watch.stop();
    // Sampled all through the loss, the return, the reprotect and the failback: never two writers.
    expect(watched.bothWritable).toEqual([]);
    expect(watched.answers.secondary.writable).toBeGreaterThan(0);
    expect(watched.answers.primary.writable).toBeGreaterThan(0);
  });
});
