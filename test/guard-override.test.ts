/**
 * The RPO guard in a drill on a real MariaDB pair: a planned failover is refused while the
 * candidate lags more than the plan's RPO objective, and an operator's skip with a reason lets it
 * go ahead, the reason kept in the record.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import mysql from 'mysql2/promise';
import { stringify } from 'yaml';
import { decide, startDrill } from '../src/drills';
import { driveDrill, waitForRecord } from './support/operators';
import { startDataLab, type DataLab } from './support/dataLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { SiteRole } from '../domain';

jest.setTimeout(300_000);

describe('the RPO guard of a planned failover', () => {
  let lab: DataLab;
  let client: Client;
  let worker: RunningWorker;
  const queue = uniqueQueue('guard');

  const sql = async (site: SiteRole, statement: string, user: 'drill' | 'app' = 'drill') => {
    const password = readFileSync(lab.secret(`mysql-${user}`).file as string, 'utf8').trim();
    const c = await mysql.createConnection({
      host: '127.0.0.1',
      port: lab.ports.mariadb[site],
      user,
      password,
      database: user === 'app' ? 'tip' : undefined,
    });
    try {
      return (await c.query(statement))[0];
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    lab = await startDataLab(15_000, ['mariadb']);
    client = await testClient();
    worker = await startTestWorker(queue);
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await lab?.destroy();
  });

  it('refuses while the replica lags past the objective, and goes ahead on a skip with a reason', async () => {
    // The secondary applies events a minute late: its lag grows past the 1s objective.
    await sql('secondary', 'STOP REPLICA');
    await sql('secondary', 'CHANGE MASTER TO MASTER_DELAY = 60');
    await sql('secondary', 'START REPLICA');
    await sql(
      'primary',
      'CREATE TABLE IF NOT EXISTS lagging (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)',
      'app',
    );
    await sql('primary', 'INSERT INTO lagging () VALUES ()', 'app');
    await waitForLag(2);

    const plan = stringify({
      target: 'guard-lab',
      platform: 'generic',
      sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
      approvals: { approvers: ['alice', 'bob'], operators: ['oncall'], quorum: 1 },
      objectives: { rpo: '1s' },
      defaults: { retry: { maximumAttempts: 1 }, stepTimeout: '1m' },
      components: {
        db: {
          kind: 'mysql',
          user: 'drill',
          password: lab.secret('mysql-drill'),
          primary: { port: lab.ports.mariadb.primary },
          secondary: { port: lab.ports.mariadb.secondary },
        },
      },
    });
    const { workflowId } = await startDrill(client, queue, {
      target: 'guard-lab',
      requestedBy: 'oncall',
      planYaml: plan,
    });
    const waiting = await driveDrill(client, workflowId, { approvers: ['alice'], operator: 'oncall' });

    expect(waiting.pending?.kind).toBe('decision');
    const guardId = waiting.pending?.id as string;
    expect(guardId).toMatch(/^failover\.db\.guard/);
    expect(waiting.pending?.error).toMatch(
      /refusing a planned switchover of db to dc2: it lags \d+s, more than the RPO objective of 1s/,
    );
    // Nothing was fenced or promoted: dc1 still writes, dc2 is still read-only.
    expect(await readOnly('primary')).toBe(false);
    expect(await readOnly('secondary')).toBe(true);
    expect(waiting.steps.filter((s) => s.phase === 'failover' && s.id !== guardId).every((s) => s.runs === 0)).toBe(
      true,
    );

    await decide(client, workflowId, {
      by: 'alice',
      decision: 'skip',
      reason: 'accepting 60s of loss for this drill, CHG-77',
    });
    const after = await waitForRecord(client, workflowId, (r) =>
      r.steps.some((s) => s.phase === 'failover' && s.id !== guardId && s.runs > 0),
    );
    expect(after.steps.find((s) => s.id === guardId)).toMatchObject({
      status: 'skipped',
      summary: 'Skipped by alice: accepting 60s of loss for this drill, CHG-77',
    });
    expect(after.decisions).toContainEqual(
      expect.objectContaining({
        stepId: guardId,
        decision: 'skip',
        by: 'alice',
        reason: 'accepting 60s of loss for this drill, CHG-77',
      }),
    );

    await client.workflow.getHandle(workflowId).terminate('test done');
    await sql('secondary', 'STOP REPLICA');
    await sql('secondary', 'CHANGE MASTER TO MASTER_DELAY = 0');
    await sql('secondary', 'START REPLICA');
  });

  async function readOnly(site: SiteRole): Promise<boolean> {
    const rows = (await sql(site, 'SELECT @@global.read_only AS r')) as { r: number }[];
    return Number(rows[0].r) === 1;
  }

  async function waitForLag(seconds: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const rows = (await sql('secondary', 'SHOW REPLICA STATUS')) as { Seconds_Behind_Master: number | null }[];
      if ((rows[0]?.Seconds_Behind_Master ?? 0) >= seconds) return;
      await sleep(500); // lag grows by the second: look again shortly
    }
    throw new Error('the secondary never lagged');
  }
});
