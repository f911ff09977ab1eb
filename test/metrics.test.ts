/**
 * `drillbook worker --metrics-port` serves Prometheus text: after a drill, /metrics carries the
 * drill metrics (drills by target, mode and outcome; step durations by action; people's waits by
 * gate; RTO against its objective) beside the Temporal SDK's own.
 */
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { driveDrill } from './support/operators';
import { freePort } from './support/ports';
import { spawnWorker, type WorkerProcess } from './support/processes';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { testClient, uniqueQueue } from './support/temporal';

describe('worker metrics', () => {
  let client: Client;
  let lab: StandinLab;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    client = await testClient();
    lab = await createStandinLab('metrics-lab');
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    await worker?.stop();
    lab?.stopAll();
    await client?.connection.close();
  });

  it('serves the drill metrics on /metrics after a drill', async () => {
    const queue = uniqueQueue('metrics');
    const port = await freePort();
    worker = spawnWorker(queue, lab.dir, { DRILLBOOK_METRICS_PORT: String(port) });
    const handle = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    const record = await driveDrill(client, handle.workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(record.status).toBe('succeeded');
    await handle.result();

    const text = await scrape(port, /drillbook_drills_total\{/);
    expect(text).toMatch(
      /drillbook_drills_total\{[^}]*mode="drill"[^}]*outcome="succeeded"[^}]*target="metrics-lab"[^}]*\} 1/,
    );
    expect(text).toMatch(/drillbook_step_duration_ms_bucket\{[^}]*action="runCommand"/);
    expect(text).toMatch(/drillbook_people_wait_ms_count\{[^}]*gate="approve-failover"[^}]*kind="approval"/);
    expect(text).toMatch(
      new RegExp(
        `drillbook_objective_measured_ms\\{[^}]*objective="rto"[^}]*target="metrics-lab"[^}]*\\} ${record.rto?.measuredMs}`,
      ),
    );
    // The SDK's own metrics are on the same endpoint.
    expect(text).toMatch(/temporal_workflow_completed/);
  });
});

/** Metrics are exported on the runtime's own schedule: poll a few times until the drill's appear. */
async function scrape(port: number, wanted: RegExp): Promise<string> {
  let text = '';
  for (let attempt = 0; attempt < 30; attempt++) {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
    text = response ? await response.text() : '';
    if (wanted.test(text)) return text;
    // The exporter serves what the runtime has aggregated; give it a moment between scrapes.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return text;
}
