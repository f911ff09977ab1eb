/** Socket Mode: the same clicks arrive as envelopes over a WebSocket the app opened; acknowledged, answered, refused alike. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { handleInteraction } from '../src/slack/interactions';
import { newSlackClient } from '../src/slack/settings';
import { startSocketMode, type SocketMode } from '../src/slack/socket';
import { waitForRecord } from './support/operators';
import { clickPayload, gateMessage } from './support/slackClicks';
import { startSlackStandin, type SlackStandin, STANDIN_BOT_TOKEN } from './support/slackStandin';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import { FINAL_STATUSES } from '../domain';

const U = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL' };

describe('Slack approvals over Socket Mode', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  let slack: SlackStandin;
  let socket: SocketMode;
  const queue = uniqueQueue('slack-socket');

  beforeAll(async () => {
    client = await testClient();
    slack = await startSlackStandin();
    worker = await startTestWorker(queue, {
      slack: newSlackClient(STANDIN_BOT_TOKEN, slack.url),
      reportsDir: mkdtempSync(path.join(os.tmpdir(), 'drillbook-socket-reports-')),
    });
    socket = await startSocketMode({
      appToken: 'standin-app-token',
      slackApiUrl: slack.url,
      handle: (p) => handleInteraction(p, { temporal: client, web: newSlackClient(STANDIN_BOT_TOKEN, slack.url) }),
    });
    lab = await createStandinLab('slack-socket-lab', (plan) => {
      plan.approvals.approvers = [
        { id: 'alice', slack: U.alice },
        { id: 'bob', slack: U.bob },
        { id: 'carol', slack: U.carol },
      ];
      plan.notifications = { slack: { channel: 'C0DRILLS' } };
    });
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    await socket?.stop();
    await worker?.stop();
    await slack?.close();
    await client?.connection.close();
  });

  it('opens the connection with the app token and answers the gates from envelopes', async () => {
    await slack.socketConnected();
    expect(slack.callsTo('apps.connections.open')[0].token).toBe('standin-app-token');
    const handle = await startDrill(client, queue, {
      target: lab.target,
      mode: 'failover',
      requestedBy: 'carol',
      planYaml: lab.planYaml,
    });
    const id = handle.workflowId;

    const failover = await gateMessage(slack, 'approve-failover');
    await slack.sendInteractive(clickPayload(U.carol, failover, 'approve'));
    const refusal = await slack.waitFor('chat.postEphemeral', (c) => c.params.user === U.carol);
    expect(String(refusal.params.text)).toContain('four-eyes rule');

    for (const gate of ['approve-failover', 'signoff']) {
      const message = await gateMessage(slack, gate);
      await slack.sendInteractive(clickPayload(U.alice, message, 'approve'));
      await waitForRecord(client, id, (r) => r.approvals.some((a) => a.gate === gate && a.by === 'alice'));
      await slack.sendInteractive(clickPayload(U.bob, message, 'approve'));
    }
    const record = await waitForRecord(client, id, (r) => FINAL_STATUSES.includes(r.status), 90_000);
    expect(record.status).toBe('succeeded');
    expect(record.approvals.map((a) => `${a.gate}:${a.by}`)).toEqual([
      'approve-failover:alice',
      'approve-failover:bob',
      'signoff:alice',
      'signoff:bob',
    ]);
  });
});
