/**
 * Slack down: every Slack call answers 500, the notifications fail after their retries, and the
 * drill still waits at its gates and is answered from the CLI and the client functions.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { newSlackClient } from '../src/slack/settings';
import { driveDrill, waitForPending } from './support/operators';
import { startSlackStandin, type SlackStandin, STANDIN_BOT_TOKEN } from './support/slackStandin';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

const run = promisify(execFile);

describe('a drill while Slack is down', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  let slack: SlackStandin;
  const queue = uniqueQueue('slack-down');

  beforeAll(async () => {
    client = await testClient();
    slack = await startSlackStandin();
    slack.failing = true;
    worker = await startTestWorker(queue, {
      slack: newSlackClient(STANDIN_BOT_TOKEN, slack.url),
      reportsDir: mkdtempSync(path.join(os.tmpdir(), 'drillbook-outage-reports-')),
    });
    lab = await createStandinLab('slack-down-lab', (plan) => {
      plan.approvals.approvers = [{ id: 'alice', slack: 'U0ALICE' }, { id: 'bob', slack: 'U0BOB' }, 'carol'];
      plan.notifications = { slack: { channel: 'C0DRILLS' } };
    });
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    await worker?.stop();
    await slack?.close();
    await client?.connection.close();
  });

  it('keeps waiting at its gates and is approved from the CLI and the client', async () => {
    const handle = await startDrill(client, queue, {
      target: lab.target,
      mode: 'failover',
      requestedBy: 'carol',
      planYaml: lab.planYaml,
      reason: 'Slack outage test',
    });
    const gate = await waitForPending(client, handle.workflowId, 'approval', 'approve-failover', 60_000);
    // The gate opened although its Slack message failed: no refs to thread or edit.
    expect(gate.pending?.refs).toBeUndefined();
    const cli = await run(process.execPath, [
      path.join(ROOT, 'dist', 'src', 'cli.js'),
      'approve',
      handle.workflowId,
      '--as',
      'alice',
      '--gate',
      'approve-failover',
    ]);
    expect(cli.stdout).toContain('alice approved approve-failover; 1 more approval(s) needed');

    const record = await driveDrill(client, handle.workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'carol',
      timeoutMs: 150_000,
    });
    expect(record.status).toBe('succeeded');
    expect(record.approvals.filter((a) => a.gate === 'approve-failover').map((a) => a.by)).toEqual(['alice', 'bob']);
    // Slack was tried, three attempts per notification, and never answered.
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.length).toBeGreaterThanOrEqual(3 * 4);
    expect(slack.calls.every((c) => c.response === undefined)).toBe(true);
  });
});
