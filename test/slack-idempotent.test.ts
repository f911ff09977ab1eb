/**
 * A notify retry never posts a gate message twice: Slack takes the gate's message, the answer is
 * lost (the connection drops, as when a worker dies right after posting), the notification is
 * retried, finds the message by the gate's key in the channel's history, and reuses it; reminders
 * and the closing edit then go to that one message. The Slack API is the tests' own stand-in: it
 * does not prove Slack's real history pagination or metadata scopes.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { approve, startDrill } from '../src/drills';
import { newSlackClient } from '../src/slack/settings';
import { waitForPending, waitForRecord } from './support/operators';
import { startSlackStandin, type SlackStandin, STANDIN_BOT_TOKEN } from './support/slackStandin';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

const CHANNEL = 'C0IDEMPOTENT';

describe('one Slack message per gate', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  let slack: SlackStandin;
  const queue = uniqueQueue('slack-once');

  beforeAll(async () => {
    client = await testClient();
    slack = await startSlackStandin();
    worker = await startTestWorker(queue, {
      slack: newSlackClient(STANDIN_BOT_TOKEN, slack.url),
      reportsDir: mkdtempSync(path.join(os.tmpdir(), 'drillbook-once-reports-')),
    });
    lab = await createStandinLab('slack-once-lab', (plan) => {
      plan.approvals.approvers = [
        { id: 'alice', slack: 'U0ALICE' },
        { id: 'bob', slack: 'U0BOB' },
      ];
      plan.approvals.quorum = 1;
      plan.notifications = { slack: { channel: CHANNEL, users: { oncall: 'U0ONCALL' } } };
    });
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    await worker?.stop();
    await slack?.close();
    await client?.connection.close();
  });

  it('posts the gate message once although the first post lost its answer and was retried', async () => {
    // The first gate of the drill is the backups task; its post reaches Slack, the answer does not.
    slack.loseResponseOf = (call) =>
      call.method === 'chat.postMessage' && String(call.params.text).startsWith('Manual task');
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await waitForPending(client, workflowId, 'task');
    // The notification was retried: history was read and no second post was made.
    await slack.waitFor('conversations.history');
    await waitForRecord(client, workflowId, (r) => r.pending?.refs !== undefined);
    const posts = slack
      .callsTo('chat.postMessage')
      .filter((c) => String(c.params.text).startsWith('Manual task') && !c.params.thread_ts);
    expect(posts).toHaveLength(1);
    const record = await waitForRecord(client, workflowId, () => true);
    expect(record.pending?.refs).toMatchObject({ slack: { channel: CHANNEL, ts: posts[0].response?.ts } });

    // The gate's closing edit goes to that same message.
    await client.workflow
      .getHandle(workflowId)
      .executeUpdate('completeTask', { args: [{ by: 'oncall', taskId: 'preparation.confirm-backups' }] });
    const edit = await slack.waitFor('chat.update', (c) => c.params.ts === posts[0].response?.ts);
    expect(String(edit.params.text)).toMatch(/completed by oncall/);
    await waitForPending(client, workflowId, 'approval');
    await approve(client, workflowId, { by: 'alice' }).catch(() => undefined);
    await client.workflow.getHandle(workflowId).terminate('test done');
  });
});
