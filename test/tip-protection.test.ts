/**
 * Time to protection, drilled end to end on a real Temporal dev server against the stand-in TIP app
 * per platform (a primary and a secondary over one shared store, as a replicated database): before
 * the failover's first stop the drill plants its TEST-NET-1 indicator through the platform's API on
 * the primary; after the switch it finds it served by the secondary where consumers read it (MISP's
 * text export, OpenCTI's TAXII collection, ThreatConnect's v3 indicators); the record measures the
 * time to protection beside RTO and RPO, the saved report shows it, and the indicator is gone when
 * the drill ends, also when an operator aborts it after the plant.
 *
 * What this does not prove: the stand-in is not MISP, OpenCTI or ThreatConnect. The two stand-ins
 * share one store, so the indicator "replicates" at once; on a real pair its arrival on the new site
 * depends on the database replication or the snapshot the drill restores (the OpenCTI and MISP lab
 * demos drill that), and a real MISP exports only published IDS attributes.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { decide, reject, startDrill } from '../src/drills';
import { LAB_TAXII_COLLECTION, type PersonalityName } from '../lab/tip';
import { driveDrill, waitForPending, waitForRecord } from './support/operators';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import { CREDENTIALS, startTipPair, type TipPair } from './support/tipStandin';
import { FINAL_STATUSES, type DrillRecord } from '../domain';

jest.setTimeout(180_000);

let client: Client;
let worker: RunningWorker;
const queue = uniqueQueue('tip-protection');
const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-protection-reports-'));
const pairs: TipPair[] = [];

beforeAll(async () => {
  client = await testClient();
  worker = await startTestWorker(queue, { reportsDir });
});
afterAll(async () => {
  for (const pair of pairs) await pair.close();
  await worker?.stop();
  await client?.connection.close();
});

/** The checks that follow jobs and heartbeats stay off: the stand-ins' jobs do not move with a switch. */
const OFF: Record<PersonalityName, Record<string, string>> = {
  threatconnect: { jobs: 'off' },
  opencti: { connectors: 'off', managers: 'off', queues: 'off', streams: 'off' },
  misp: { jobs: 'off', keys: 'off' },
};

function planYaml(platform: PersonalityName, pair: TipPair, target: string, extraSteps: unknown[] = []): string {
  const site = (role: 'primary' | 'secondary') => {
    const secret = { file: pair.files.secret };
    if (platform === 'threatconnect')
      return { url: pair.urls[role], accessId: CREDENTIALS.accessId, secretKey: secret };
    if (platform === 'opencti')
      return { url: pair.urls[role], token: secret, healthKey: { file: pair.files.healthKey } };
    return { url: pair.urls[role], key: secret };
  };
  // The app's process is a flag file: stopped while it exists (the stand-in TIP APIs keep answering, as the platform's data does).
  const flag = (role: string) => path.join(pair.dir, `${role}.stopped`);
  const service = (role: 'primary' | 'secondary') => ({
    health: { command: ['sh', '-c', `test ! -e ${flag(role)}`] },
    stop: { command: ['touch', flag(role)] },
    start: { command: ['rm', '-f', flag(role)] },
  });
  return stringify({
    target,
    platform,
    sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
    approvals: { approvers: ['alice', 'bob'], operators: ['oncall'], quorum: 1 },
    objectives: { rto: '10m', protection: '5m' },
    defaults: {
      retry: { maximumAttempts: 2, initialInterval: '100ms', backoffCoefficient: 1, maximumInterval: '100ms' },
    },
    components: { app: { kind: 'service', tier: 'app', primary: service('primary'), secondary: service('secondary') } },
    tip: {
      primary: site('primary'),
      secondary: site('secondary'),
      timeout: '3s',
      checks: OFF[platform],
      recovery: {},
      protection: {
        within: '20s',
        ...(platform === 'misp' ? { eventId: 42 } : platform === 'opencti' ? { collection: LAB_TAXII_COLLECTION } : {}),
      },
    },
    steps: extraSteps,
  });
}

const planted = async (pair: TipPair) => (await pair.store.indicators()).filter((i) => i.label !== undefined);

function savedReport(record: DrillRecord): string {
  const dir = path.join(reportsDir, record.drillId);
  const md = readdirSync(dir).find((f) => f.endsWith('.md'));
  if (!md) throw new Error(`no Markdown report in ${dir}`);
  return readFileSync(path.join(dir, md), 'utf8');
}

describe.each(['threatconnect', 'opencti', 'misp'] as const)('%s', (platform) => {
  it('a drill measures the time to protection, reports it, and removes its indicator', async () => {
    const pair = await startTipPair(platform, { primary: { monitorsEnabled: true } });
    pairs.push(pair);
    const target = `protect-${platform}`;
    const { workflowId } = await startDrill(client, queue, {
      target,
      requestedBy: 'oncall',
      planYaml: planYaml(platform, pair, target),
    });
    let seenPlanted: { value: string; label?: string }[] = [];
    const record = await driveDrill(client, workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      // At the failback's gate the indicator is planted and served: look at it in the store then.
      onGate: async (r) => {
        if (r.pending?.id === 'approve-failback') seenPlanted = await planted(pair);
      },
    });
    expect({ status: record.status, waitingOn: record.pending?.error }).toEqual({
      status: 'succeeded',
      waitingOn: undefined,
    });
    expect(seenPlanted).toEqual([
      expect.objectContaining({
        value: expect.stringMatching(/^192\.0\.2\.\d{1,3}$/),
        label: expect.stringMatching(
          new RegExp(`^Drillbook DR drill test indicator drill-${target}/[0-9a-f-]+:tip-protection `),
        ),
      }),
    ]);
    const ip = seenPlanted[0].value;
    const step = (id: string) => record.steps.find((s) => s.id === id);
    expect(step('failover.tip-protection-plant')).toMatchObject({
      status: 'succeeded',
      summary: expect.stringContaining(`planted the test indicator ${ip}`),
    });
    expect(step('failover-check.tip-protection-served')).toMatchObject({
      status: 'succeeded',
      summary: expect.stringContaining(`serves the test indicator ${ip} in`),
    });
    expect(step('wrap-up.tip-protection-remove')).toMatchObject({
      status: 'succeeded',
      summary: expect.stringContaining(`removed the test indicator ${ip}`),
    });
    expect(record.steps.some((s) => s.id.startsWith('cleanup.'))).toBe(false);
    // From the first stop to the end of the check that found it served: after the RTO's start, within the drill.
    const { protection, rto } = record;
    expect(protection).toMatchObject({
      objectiveMs: 300_000,
      met: true,
      from: rto?.from,
      to: step('failover-check.tip-protection-served')?.endedAt,
    });
    expect(protection?.measuredMs).toBe(Date.parse(protection?.to ?? '') - Date.parse(protection?.from ?? ''));
    expect(protection?.measuredMs).toBeGreaterThan(0);
    expect(protection?.evidence).toContain(`the test indicator ${ip} served where consumers read it`);
    expect(await planted(pair)).toEqual([]);
    // The report is written after the record's last status: once the workflow has returned.
    await client.workflow.getHandle(workflowId).result();
    const report = savedReport(record);
    expect(report).toMatch(
      /Time to protection \(indicators served again\) \| [^|]+ \| [^|]+ \| met \| from the start of /,
    );
  });
});

it('an aborted drill still removes its indicator (the runbook cleanup on every ending)', async () => {
  const pair = await startTipPair('misp', { primary: { monitorsEnabled: true } });
  pairs.push(pair);
  const target = 'protect-abort';
  // A check after the plant that fails: the operator aborts there, before anything switched.
  const failing = {
    id: 'after-plant',
    phase: 'failover',
    segment: 'guard',
    title: 'A guard that fails',
    command: ['false'],
  };
  const { workflowId } = await startDrill(client, queue, {
    target,
    requestedBy: 'oncall',
    planYaml: planYaml('misp', pair, target, [failing]),
  });
  await driveDrill(client, workflowId, {
    approvers: ['alice', 'bob'],
    operator: 'oncall',
    stopAt: 'failover.after-plant',
  });
  await waitForPending(client, workflowId, 'decision', 'failover.after-plant');
  expect(await planted(pair)).toHaveLength(1);
  await decide(client, workflowId, { by: 'oncall', decision: 'abort' });
  const record = await waitForRecord(client, workflowId, (r) => FINAL_STATUSES.includes(r.status));
  expect(record.status).toBe('aborted');
  expect(record.steps.find((s) => s.id === 'cleanup.tip-protection-remove')).toMatchObject({
    status: 'succeeded',
    summary: expect.stringMatching(/removed the test indicator 192\.0\.2\.\d+ .*deleted on dc1/),
  });
  expect(record.protection).toBeUndefined();
  expect(await planted(pair)).toEqual([]);
});

it('a drill that ends before the plant runs no cleanup', async () => {
  const pair = await startTipPair('threatconnect', { primary: { monitorsEnabled: true } });
  pairs.push(pair);
  const target = 'protect-rejected';
  const { workflowId } = await startDrill(client, queue, {
    target,
    requestedBy: 'oncall',
    planYaml: planYaml('threatconnect', pair, target),
  });
  await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall', stopAt: 'approve-failover' });
  await reject(client, workflowId, { by: 'alice', comment: 'not today' });
  const record = await waitForRecord(client, workflowId, (r) => FINAL_STATUSES.includes(r.status));
  expect(record.status).toBe('rejected');
  expect(record.steps.filter((s) => s.action === 'tipProtectionRemove' && s.status !== 'pending')).toEqual([]);
});
