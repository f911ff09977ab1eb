/**
 * Slack approvals end to end: a whole drill answered only by signed clicks on the messages the
 * worker posted to a local Slack API stand-in; refusals shown to the person who clicked; forged,
 * stale and replayed requests refused before anything reads them, also by a restarted endpoint,
 * and kept in the target's audit trail.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { approve, startDrill } from '../src/drills';
import { BLOCKS } from '../render/slack/actions';
import { handleInteraction } from '../src/slack/interactions';
import { createSlackServer, INTERACTIONS_PATH, type SlackServer } from '../src/slack/server';
import { newSlackClient } from '../src/slack/settings';
import { readAudit } from '../store/auditTrail';
import { slackAuditor } from '../src/slack/audit';
import { sign } from '../src/slack/verify';
import { waitForRecord } from './support/operators';
import {
  clickPayload,
  gateMessage as findGateMessage,
  send,
  signedRequest,
  type PostedMessage,
} from './support/slackClicks';
import { startSlackStandin, type SlackStandin, STANDIN_BOT_TOKEN } from './support/slackStandin';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import { type DrillRecord, FINAL_STATUSES } from '../domain';

const SECRET = 'test-signing-secret-7f3a9c';
const TOKEN = STANDIN_BOT_TOKEN;
const CHANNEL = 'C0DRILLS';
const U = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL', oncall: 'U0ONCALL', mallory: 'U0MALLORY' } as const;

describe('Slack approvals over the signed HTTP endpoint', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  let slack: SlackStandin;
  let endpoint: SlackServer;
  let url: string;
  const endpointLog: string[] = [];
  const queue = uniqueQueue('slack');
  // The endpoint's replay guard keeps what it saw here; a restarted endpoint is given the same folder.
  const replayDir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-slack-replay-'));
  const auditDir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-slack-audit-'));
  const startEndpoint = async (dir: string): Promise<SlackServer> => {
    const server = createSlackServer({
      signingSecret: SECRET,
      replayDir: dir,
      audit: slackAuditor(auditDir, client),
      handle: (p, meta) =>
        handleInteraction(
          p,
          { temporal: client, web: newSlackClient(TOKEN, slack.url), auditDir, log: (m) => endpointLog.push(m) },
          meta,
        ),
      log: (m) => endpointLog.push(m),
    });
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  };
  const urlOf = (server: SlackServer) =>
    `http://127.0.0.1:${(server.server.address() as AddressInfo).port}${INTERACTIONS_PATH}`;

  beforeAll(async () => {
    client = await testClient();
    slack = await startSlackStandin();
    worker = await startTestWorker(queue, {
      slack: newSlackClient(TOKEN, slack.url),
      reportsDir: mkdtempSync(path.join(os.tmpdir(), 'drillbook-slack-reports-')),
    });
    endpoint = await startEndpoint(replayDir);
    url = urlOf(endpoint);
    lab = await createStandinLab('slack-lab', (plan) => {
      plan.approvals.approvers = [
        { id: 'alice', slack: U.alice },
        { id: 'bob', slack: U.bob },
        { id: 'carol', slack: U.carol },
      ];
      // A real server and a short reminder: what is tested is the reminder reaching the Slack
      // stand-in through the real endpoint; reminder timing at plan scale is test/gate-timing.test.ts.
      plan.approvals.reminderAfter = '4s';
      plan.approvals.timeout = '10m';
      plan.notifications = { slack: { channel: CHANNEL, users: { oncall: U.oncall } } };
      plan.steps.push({
        id: 'smoke-test',
        phase: 'failover-check',
        title: 'Run the smoke tests against the secondary',
        site: 'secondary',
        command: ['sh', '-c', 'echo "smoke tests failed" >&2; exit 1'],
      });
    });
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    await endpoint?.close();
    await worker?.stop();
    await slack?.close();
    await client?.connection.close();
  });

  const gateMessage = (gate: string, nth = 1) => findGateMessage(slack, gate, nth);

  async function click(
    user: keyof typeof U,
    message: PostedMessage,
    action: Parameters<typeof clickPayload>[2],
  ): Promise<void> {
    const response = await send(url, signedRequest(SECRET, clickPayload(U[user], message, action)));
    expect(response.status).toBe(200);
  }

  async function expectRefusal(user: keyof typeof U, pattern: RegExp, act: () => Promise<void>): Promise<void> {
    const before = slack.callsTo('chat.postEphemeral').length;
    await act();
    const refusal = await slack.waitFor(
      'chat.postEphemeral',
      (c) => slack.callsTo('chat.postEphemeral').indexOf(c) >= before && c.params.user === U[user],
    );
    expect(refusal.params).toMatchObject({ channel: CHANNEL });
    expect(String(refusal.params.text)).toMatch(pattern);
  }

  const record = (id: string) => waitForRecord(client, id, () => true);
  const approvalsOf = (r: DrillRecord, gate: string) => r.approvals.filter((a) => a.gate === gate).map((a) => a.by);

  it('runs a whole drill from Slack buttons, refusing forged requests and people who may not answer', async () => {
    const handle = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'carol',
      planYaml: lab.planYaml,
      reason: 'Slack test',
    });
    const id = handle.workflowId;
    await slack.waitFor('chat.postMessage', (c) => String(c.params.text).includes('started'));

    // A manual task: its reminder goes in the task message's thread, then oncall marks it done.
    const backups = await gateMessage('preparation.confirm-backups');
    const reminder = await slack.waitFor('chat.postMessage', (c) => c.params.thread_ts === backups.ts, 20_000);
    expect(String(reminder.params.text)).toContain('Reminder');
    await click('oncall', backups, 'done');
    await waitForRecord(client, id, (r) => r.pending?.id === 'approve-pre-reboot');

    // The approval message: what is about to happen, who may approve, Approve with a confirm dialog.
    const gate = await gateMessage('approve-pre-reboot');
    const blocksText = JSON.stringify(gate.blocks);
    expect(blocksText).toContain('What happens on approval');
    expect(blocksText).toContain('Stop app on lab-dc1');
    expect(blocksText).toContain(`Who may approve: <@${U.alice}>, <@${U.bob}>, <@${U.carol}>`);
    const actions = gate.blocks.find((b) => b.block_id === BLOCKS.actions) as {
      elements: { action_id: string; confirm?: unknown; style?: string }[];
    };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['drillbook_approve', 'drillbook_reject']);
    expect(actions.elements[0]).toMatchObject({
      style: 'primary',
      confirm: expect.objectContaining({ title: expect.anything() }),
    });

    // Forged and stale requests: each an Approve by alice that would count if it got through.
    const genuine = signedRequest(SECRET, clickPayload(U.alice, gate, 'approve'));
    const carolSigned = signedRequest(SECRET, clickPayload(U.carol, gate, 'approve'));
    const now = Math.floor(Date.now() / 1000);
    const forged: [string, Parameters<typeof send>[1]][] = [
      [
        'no signature headers',
        { body: genuine.body, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      ],
      ['signed with the wrong secret', signedRequest('not-the-secret', clickPayload(U.alice, gate, 'approve'))],
      [
        'body changed after signing (carol made to look like alice)',
        { body: carolSigned.body.replace(U.carol, U.alice), headers: carolSigned.headers },
      ],
      [
        'signature of another body',
        {
          body: genuine.body,
          headers: {
            ...genuine.headers,
            'x-slack-signature': sign(SECRET, genuine.headers['x-slack-request-timestamp'], 'payload=%7B%7D'),
          },
        },
      ],
      [
        'timestamp six minutes old, correctly signed',
        signedRequest(SECRET, clickPayload(U.alice, gate, 'approve'), { timestamp: now - 360 }),
      ],
      [
        'timestamp six minutes ahead, correctly signed',
        signedRequest(SECRET, clickPayload(U.alice, gate, 'approve'), { timestamp: now + 360 }),
      ],
      [
        'timestamp header changed after signing',
        { body: genuine.body, headers: { ...genuine.headers, 'x-slack-request-timestamp': String(now - 1) } },
      ],
      [
        'signature with a v1 scheme',
        {
          body: genuine.body,
          headers: {
            ...genuine.headers,
            'x-slack-signature': genuine.headers['x-slack-signature'].replace('v0=', 'v1='),
          },
        },
      ],
      [
        'signature truncated',
        {
          body: genuine.body,
          headers: { ...genuine.headers, 'x-slack-signature': genuine.headers['x-slack-signature'].slice(0, 40) },
        },
      ],
      [
        'non-numeric timestamp',
        { body: genuine.body, headers: { ...genuine.headers, 'x-slack-request-timestamp': 'yesterday' } },
      ],
    ];
    const slackCallsBefore = slack.calls.length;
    for (const [what, request] of forged) {
      const response = await send(url, request);
      expect({ what, status: response.status }).toEqual({ what, status: 401 });
    }
    expect((await send(url, { body: `payload=${'x'.repeat(600 * 1024)}`, headers: genuine.headers })).status).toBe(413);
    expect((await send(url, genuine, 'GET')).status).toBe(405);
    expect((await send(url.replace(INTERACTIONS_PATH, '/other'), genuine)).status).toBe(404);
    const badPayload = (() => {
      const body = 'payload=not-json';
      const ts = String(Math.floor(Date.now() / 1000));
      return {
        body,
        headers: { ...genuine.headers, 'x-slack-request-timestamp': ts, 'x-slack-signature': sign(SECRET, ts, body) },
      };
    })();
    expect((await send(url, badPayload)).status).toBe(400);
    // Whatever the endpoint started for these requests has finished: none reached Slack or the drill.
    await endpoint.idle();
    expect(slack.calls.length).toBe(slackCallsBefore);
    expect(approvalsOf(await record(id), 'approve-pre-reboot')).toEqual([]);

    // People the validator (or the plan's Slack links) refuse, told privately.
    await expectRefusal('carol', /four-eyes rule: carol started this drill and cannot approve it/, () =>
      click('carol', gate, 'approve'),
    );
    await expectRefusal('mallory', /not linked to an approver or operator/, () => click('mallory', gate, 'approve'));
    // The stranger's click is evidence too: the drill itself refused it, by the Slack id, and kept it.
    const strangers = (
      await waitForRecord(client, id, (r) => r.refusals.some((f) => f.by === `slack:${U.mallory}`))
    ).refusals.filter((f) => f.by === `slack:${U.mallory}`);
    expect(strangers).toEqual([
      expect.objectContaining({
        action: 'approve',
        via: 'slack',
        reason: expect.stringMatching(/is not an approver/),
        at: expect.any(String),
      }),
    ]);
    // A CLI refusal says so: the record tells the two doors apart.
    await expect(approve(client, id, { by: 'mallory' })).rejects.toThrow(/mallory is not an approver/);
    const byDoor = (await waitForRecord(client, id, (r) => r.refusals.some((f) => f.by === 'mallory'))).refusals.filter(
      (f) => f.by === 'mallory',
    );
    expect(byDoor).toEqual([expect.objectContaining({ action: 'approve', via: 'cli' })]);
    await expectRefusal('oncall', /oncall is not an approver of this plan/, () => click('oncall', gate, 'approve'));

    // alice approves: the gate's thread says who and when, and that it waits for one more.
    expect((await send(url, genuine)).status).toBe(200);
    const progress = await slack.waitFor(
      'chat.postMessage',
      (c) => c.params.thread_ts === gate.ts && String(c.params.text).includes('waiting for 1 more'),
    );
    expect(String(progress.params.text)).toMatch(new RegExp(`<@${U.alice}> approved <!date\\^\\d+`));
    // The same request again is a replay.
    expect((await send(url, genuine)).status).toBe(401);
    expect(approvalsOf(await record(id), 'approve-pre-reboot')).toEqual(['alice']);

    // bob's approval closes the gate. Only the drill edits the gate message, once, when the gate
    // closes: it names who answered and the buttons go; no second edit can race it.
    await click('bob', gate, 'approve');
    const closed = await slack.waitFor('chat.update', (c) => c.params.ts === gate.ts);
    // Done with bob's click (the endpoint) and past the gate's closing (the drill starts the phase only
    // once its gate-closed notice returned): any second edit of the gate message would be in by now.
    await endpoint.idle();
    await waitForRecord(client, id, (r) => r.phases.find((p) => p.id === 'pre-reboot')?.startedAt !== undefined);
    expect(slack.callsTo('chat.update').filter((c) => c.params.ts === gate.ts)).toEqual([closed]);
    expect(JSON.stringify(closed.params.blocks)).not.toContain(BLOCKS.actions);
    expect(JSON.stringify(closed.params.blocks)).toMatch(new RegExp(`Approved by <@${U.alice}>, <@${U.bob}>`));

    // The endpoint restarts (same data folder): a byte-for-byte replay of alice's click is refused
    // before it reaches the drill, and leaves no refusal in alice's name, who never clicked again.
    await endpoint.close();
    endpoint = await startEndpoint(replayDir);
    url = urlOf(endpoint);
    expect((await send(url, genuine)).status).toBe(401);
    // Another replica with a folder of its own lets the signature through; the drill then knows the request by its id and does nothing with it.
    const replica = await startEndpoint(mkdtempSync(path.join(os.tmpdir(), 'drillbook-slack-replica-')));
    try {
      await expectRefusal('alice', /recorded already; nothing was done twice/, async () => {
        expect((await send(urlOf(replica), genuine)).status).toBe(200);
      });
    } finally {
      await replica.close();
    }
    const afterReplays = await record(id);
    expect(approvalsOf(afterReplays, 'approve-pre-reboot')).toEqual(['alice', 'bob']);
    expect(afterReplays.refusals.filter((f) => f.by === 'alice')).toEqual([]);
    // A click on the closed gate's old button is refused by the workflow's validator.
    await expectRefusal('alice', /(gate "approve-pre-reboot" is not open|no approval is open)/, () =>
      click('alice', gate, 'approve'),
    );

    // Then the rest of the drill, all from Slack.
    await click('oncall', await gateMessage('pre-reboot.reboot-hosts'), 'done');
    const failover = await gateMessage('approve-failover');
    await click('alice', failover, 'approve');
    await waitForRecord(client, id, (r) => approvalsOf(r, 'approve-failover').length === 1);
    await click('bob', failover, 'approve');

    // The failing smoke test: Retry, then Skip with a reason typed in a modal.
    const smoke = 'failover-check.smoke-test';
    const firstFailure = await gateMessage(smoke);
    await click('bob', firstFailure, 'retry');
    const second = await gateMessage(smoke, 2);
    // The first failure's Retry button, clicked (or replayed) again, does not retry the second failure.
    await expectRefusal('bob', /it is open now since/, () => click('bob', firstFailure, 'retry'));
    await click('bob', second, 'skip');
    const opened = await slack.waitFor('views.open');
    const view = opened.params.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('drillbook_skip_reason');
    const submit = (reason: string) => ({
      type: 'view_submission',
      user: { id: U.bob },
      view: {
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        state: { values: { reason: { reason: { value: reason } } } },
      },
    });
    await expectRefusal('bob', /needs a reason/, async () => {
      expect((await send(url, signedRequest(SECRET, submit('  ')))).status).toBe(200);
    });
    expect(
      (await send(url, signedRequest(SECRET, submit('smoke suite is known-broken on dc2, ticket OPS-7')))).status,
    ).toBe(200);
    await waitForRecord(client, id, (r) => r.steps.find((s) => s.id === smoke)?.status === 'skipped');

    for (const gateId of ['approve-failback', 'signoff']) {
      const message = await gateMessage(gateId);
      await click('alice', message, 'approve');
      await waitForRecord(client, id, (r) => approvalsOf(r, gateId).length === 1);
      await click('bob', message, 'approve');
    }
    const final = await waitForRecord(client, id, (r) => FINAL_STATUSES.includes(r.status));
    expect(final.status).toBe('succeeded');
    expect(final.steps.find((s) => s.id === smoke)?.summary).toBe(
      'Skipped by bob: smoke suite is known-broken on dc2, ticket OPS-7',
    );
    expect(final.decisions.map((d) => `${d.by}:${d.decision}`)).toEqual(['bob:retry', 'bob:skip']);
    expect(final.approvals.every((a) => a.comment === 'approved in Slack' && a.via === 'slack')).toBe(true);
    expect(final.tasks.every((t) => t.completedBy === 'oncall')).toBe(true);

    // Start, eight phases and the end were posted; the report went into the end message's thread.
    expect(slack.callsTo('chat.postMessage').filter((c) => String(c.params.text).includes('phase *')).length).toBe(8);
    const ended = await slack.waitFor('chat.postMessage', (c) => String(c.params.text).includes('ended: succeeded'));
    const upload = await slack.waitFor('files.completeUploadExternal');
    expect(upload.params).toMatchObject({ channel_id: CHANNEL, thread_ts: ended.response?.ts });
    expect(slack.uploads).toHaveLength(2);
    expect(slack.uploads.every((u) => u.bytes > 1000)).toBe(true);
    // Every call carried the bot token and went to the plan's channel.
    expect(slack.calls.every((c) => c.token === TOKEN)).toBe(true);
    expect(slack.callsTo('chat.postMessage').every((c) => c.params.channel === CHANNEL)).toBe(true);
    expect(endpointLog.filter((l) => l.startsWith('refused a request')).length).toBeGreaterThanOrEqual(
      forged.length + 1,
    );

    // The target's audit trail keeps each transport refusal and the stranger's click.
    const trail = (await readAudit(auditDir, lab.target)).entries;
    const kinds = trail.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'slack-bad-signature').length).toBeGreaterThanOrEqual(6);
    expect(kinds.filter((k) => k === 'slack-stale')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'slack-replay')).toHaveLength(2);
    expect(trail.find((e) => e.kind === 'slack-bad-signature')).toMatchObject({
      via: 'slack',
      workflowId: id,
      reason: expect.stringMatching(/claimed to come from Slack user U0ALICE/),
    });
    expect(trail.filter((e) => e.kind === 'slack-unknown-user')).toEqual([
      expect.objectContaining({ by: `slack:${U.mallory}`, via: 'slack', workflowId: id }),
    ]);
  });
});
