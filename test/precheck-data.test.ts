/**
 * Readiness prechecks of the real data tier (a MariaDB master-master pair, PostgreSQL primary and
 * standby, an OpenSearch cluster): ready as set up, then each of three drifts a drill would trip on
 * is reported with its path in the plan: replication stopped, a snapshot too old, a wrong password.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { runPrecheck } from '../src/prechecks';
import { startDataLab, type DataLab } from './support/dataLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

jest.setTimeout(600_000);
const run = promisify(execFile);

function plan(lab: DataLab, snapshotMaxAge: string): string {
  return stringify({
    target: 'precheck-data',
    platform: 'generic',
    sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
    approvals: { approvers: ['alice'] },
    objectives: { rto: '15m', rpo: '1m' },
    defaults: { retry: { maximumAttempts: 2, initialInterval: '1s', maximumInterval: '2s' }, stepTimeout: '1m' },
    components: {
      db: {
        kind: 'mysql',
        user: 'drill',
        password: lab.secret('mysql-drill'),
        primary: { port: lab.ports.mariadb.primary },
        secondary: { port: lab.ports.mariadb.secondary },
      },
      pg: {
        kind: 'postgres',
        user: 'drill',
        password: lab.secret('pg-drill'),
        primary: { port: lab.ports.postgres.primary },
        secondary: { port: lab.ports.postgres.secondary },
      },
      search: {
        kind: 'opensearch',
        snapshot: { repository: 'drill-snapshots', maxAge: snapshotMaxAge, take: 'if-missing' },
        primary: { url: `http://127.0.0.1:${lab.ports.opensearch.primary}`, node: 'os-primary' },
        secondary: { url: `http://127.0.0.1:${lab.ports.opensearch.secondary}`, node: 'os-secondary' },
      },
    },
  });
}

describe('readiness prechecks of the real data tier', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: DataLab;
  const queue = uniqueQueue('precheck-data');

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
    lab = await startDataLab(10_000, ['mariadb', 'postgres', 'opensearch-cluster']);
    // A recent snapshot, as a team that snapshots nightly has.
    const response = await fetch(
      `http://127.0.0.1:${lab.ports.opensearch.primary}/_snapshot/drill-snapshots/precheck-1?wait_for_completion=true`,
      { method: 'PUT' },
    );
    expect(response.status).toBe(200);
  });

  afterAll(async () => {
    await lab?.destroy();
    await worker?.stop();
    await client?.connection.close();
  });

  const precheck = (maxAge = '1h') =>
    runPrecheck(client, queue, { target: 'precheck-data', planYaml: plan(lab, maxAge) });
  const mariadb = (site: 'primary' | 'secondary', statement: string) =>
    run('mariadb', [
      '--no-defaults',
      '-uroot',
      `--socket=${path.join(lab.dir, 'mariadb', site, 'mysqld.sock')}`,
      '-e',
      statement,
    ]);

  it('is ready as the lab is set up', async () => {
    const result = await precheck();
    expect(result.drifts).toEqual([]);
    expect(result.ready).toBe(true);
    expect(result.checks).toBeGreaterThanOrEqual(9);
  });

  it('reports replication stopped, with the path of the component in the plan', async () => {
    await mariadb('secondary', 'STOP SLAVE');
    try {
      const result = await precheck();
      expect(result.ready).toBe(false);
      expect(result.drifts.map((d) => d.path)).toEqual(['components.db']);
      expect(result.drifts[0].sentence).toMatch(/^components\.db \(primary\): .*not ready for a drill/);
    } finally {
      await mariadb('secondary', 'START SLAVE');
    }
  });

  it('reports a snapshot older than the plan allows', async () => {
    // The snapshot taken at setup is older than a second by now.
    const result = await precheck('1s');
    expect(result.drifts.map((d) => d.path)).toEqual(['components.search']);
    expect(result.drifts[0].sentence).toMatch(/snapshot/i);
  });

  it('reports a wrong password file, on both sites of the component', async () => {
    const file = lab.secret('pg-drill').file as string;
    const right = readFileSync(file, 'utf8');
    writeFileSync(file, 'not-the-password\n');
    try {
      const result = await precheck();
      expect(new Set(result.drifts.map((d) => d.path))).toEqual(new Set(['components.pg']));
      expect(result.drifts.map((d) => d.sentence).join('\n')).toMatch(/password authentication failed/);
    } finally {
      writeFileSync(file, right);
    }
    expect((await precheck()).ready).toBe(true);
  });
});
