/**
 * Pause and resume from Slack: the running drill's progress message carries a Pause button; a click
 * by an operator (asked for a reason in a dialog) pauses the drill, which finishes its step in flight
 * and holds before the next; the "Drill paused" message's Resume button lets it go on. A click by
 * someone the plan does not know is refused and kept as evidence; a stale Resume changes nothing.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { startDrill } from '../src/drills';
import { BLOCKS, PAUSE_MODAL } from '../render/slack/actions';
import { handleInteraction } from '../src/slack/interactions';
import { createSlackServer, INTERACTIONS_PATH, type SlackServer } from '../src/slack/server';
import { newSlackClient } from '../src/slack/settings';
import { waitForRecord } from './support/operators';
import { parkedOnTimer } from './support/parked';
import { freePort } from './support/ports';
import { clickPayload, gateMessage, posted, send, signedRequest, type PostedMessage } from './support/slackClicks';
import { startSlackStandin, type SlackStandin, STANDIN_BOT_TOKEN } from './support/slackStandin';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { DrillRecord } from '../domain';

const SECRET = 'test-signing-secret-pause';
const TOKEN = STANDIN_BOT_TOKEN;
const CHANNEL = 'C0PAUSE';
const U = { alice: 'U0ALICE', bob: 'U0BOB', oncall: 'U0ONCALL', mallory: 'U0MALLORY' } as const;
const TARGET = 'slack-pause';

describe('pausing and resuming a drill from Slack', () => {
  let client: Client;
  let worker: RunningWorker;
  let slack: SlackStandin;
  let endpoint: SlackServer;
  let url: string;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-slack-pause-'));
  const queue = uniqueQueue('slack-pause');
  const go = path.join(dir, 'go');
  const after = path.join(dir, 'after.log');

  beforeAll(async () => {
    client = await testClient();
    slack = await startSlackStandin();
    worker = await startTestWorker(queue, {
      slack: newSlackClient(TOKEN, slack.url),
      reportsDir: path.join(dir, 'reports'),
    });
    const web = newSlackClient(TOKEN, slack.url);
    endpoint = createSlackServer({
      signingSecret: SECRET,
      replayDir: mkdtempSync(path.join(os.tmpdir(), 'drillbook-pause-replay-')),
      handle: (p, meta) => handleInteraction(p, { temporal: client, web }, meta),
    });
    const port = await freePort();
    await new Promise<void>((resolve) => endpoint.server.listen(port, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${port}${INTERACTIONS_PATH}`;
  });

  afterAll(async () => {
    await endpoint?.close();
    await worker?.stop();
    await slack?.close();
    await client?.connection.close();
  });

  const planYaml = (): string =>
    stringify({
      target: TARGET,
      platform: 'generic',
      sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
      approvals: {
        approvers: [
          { id: 'alice', slack: U.alice },
          { id: 'bob', slack: U.bob },
        ],
        operators: ['oncall'],
        quorum: 1,
        reminderAfter: '1h',
        timeout: '2h',
      },
      notifications: { slack: { channel: CHANNEL, users: { oncall: U.oncall } } },
      components: {
        // The step in flight when the Pause is clicked: it ends when the test lets it (bounded to 60 s).
        app: {
          kind: 'service',
          tier: 'app',
          primary: {
            health: {
              command: ['sh', '-c', `for i in $(seq 1 600); do [ -f ${go} ] && exit 0; sleep 0.1; done; exit 1`],
            },
          },
          secondary: { health: { command: ['true'] } },
        },
      },
      steps: [
        {
          id: 'after',
          phase: 'preparation',
          segment: 'health',
          title: 'The step after the pause',
          command: ['sh', '-c', `echo ran >> ${after}`],
        },
      ],
    });

  async function click(
    user: keyof typeof U,
    message: PostedMessage,
    action: Parameters<typeof clickPayload>[2],
  ): Promise<void> {
    expect((await send(url, signedRequest(SECRET, clickPayload(U[user], message, action)))).status).toBe(200);
  }

  /** Submits the pause dialog Slack opened for the nth views.open call, as `user`. */
  async function submitPause(user: keyof typeof U, nth: number, reason: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (slack.callsTo('views.open').length < nth && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100)); // polling the stand-in's call log
    const view = slack.callsTo('views.open')[nth - 1]?.params.view as
      { callback_id: string; private_metadata: string } | undefined;
    expect(view?.callback_id).toBe(PAUSE_MODAL);
    const submission = {
      type: 'view_submission',
      user: { id: U[user] },
      view: {
        callback_id: view?.callback_id,
        private_metadata: view?.private_metadata,
        state: { values: { reason: { reason: { value: reason } } } },
      },
    };
    expect((await send(url, signedRequest(SECRET, submission))).status).toBe(200);
  }

  const ephemeralTo = (user: keyof typeof U, pattern: RegExp) =>
    slack.waitFor('chat.postEphemeral', (c) => c.params.user === U[user] && pattern.test(String(c.params.text)));
  const step = (r: DrillRecord, id: string) => r.steps.find((s) => s.id === id);

  it('a Pause click holds the drill before its next step; a Resume click lets it go on', async () => {
    const { workflowId } = await startDrill(client, queue, {
      target: TARGET,
      requestedBy: 'oncall',
      planYaml: planYaml(),
    });
    const phaseCall = await slack.waitFor('chat.postMessage', (c) =>
      String(c.params.text).includes('phase *preparation* started'),
    );
    const progress = posted(phaseCall);
    const pauseBlock = progress.blocks.find((b) => b.block_id === BLOCKS.pause) as
      { elements: { action_id: string }[] } | undefined;
    expect(pauseBlock?.elements.map((e) => e.action_id)).toEqual(['drillbook_pause']);
    await waitForRecord(client, workflowId, (r) => step(r, 'preparation.app.health.primary')?.status === 'running');

    // Someone the plan does not know: refused privately, and the drill keeps the refusal.
    await click('mallory', progress, 'pause');
    await ephemeralTo('mallory', /not linked to an approver or operator/);
    const refused = await waitForRecord(client, workflowId, (r) =>
      r.refusals.some((f) => f.by === `slack:${U.mallory}`),
    );
    expect(refused.refusals).toEqual([expect.objectContaining({ action: 'pause', via: 'slack' })]);
    expect(refused.pauses ?? []).toEqual([]);

    // oncall clicks Pause, gives a reason in the dialog: the pause is recorded at once, the step in flight runs on.
    await click('oncall', progress, 'pause');
    await submitPause('oncall', 1, 'the database team asked us to wait');
    const asked = await waitForRecord(client, workflowId, (r) => (r.pauses ?? []).length === 1);
    expect(asked.pauses).toEqual([
      expect.objectContaining({
        by: 'oncall',
        reason: 'the database team asked us to wait',
        cause: 'operator',
        via: 'slack',
      }),
    ]);
    expect(step(asked, 'preparation.app.health.primary')?.status).toBe('running');
    const said = await slack.waitFor('chat.postMessage', (c) => c.params.thread_ts === progress.ts);
    expect(String(said.params.text)).toMatch(
      new RegExp(`⏸️ <@${U.oncall}> paused the drill: the database team asked us to wait`),
    );

    // The step in flight finishes; the drill holds before the next one and posts a Resume button.
    writeFileSync(go, 'go\n');
    const held = await waitForRecord(client, workflowId, (r) => r.status === 'paused');
    expect(step(held, 'preparation.app.health.primary')?.status).toBe('succeeded');
    expect(step(held, 'preparation.after')?.status).toBe('pending');
    const pausedMessage = await gateMessage(slack, 'pause');
    expect(pausedMessage.text).toMatch(/is paused: oncall paused the drill: the database team asked us to wait/);
    // Held: the drill has nothing left to run but its gate's reminder timer (the plan's hour), so
    // nothing but a resume lets it go on; the next step (a few ms) did not run.
    expect(await parkedOnTimer(client, workflowId)).toEqual({ timerMs: 60 * 60_000 });
    expect(existsSync(after)).toBe(false);
    expect((await waitForRecord(client, workflowId, () => true)).status).toBe('paused');

    // A stranger's Resume is refused too; alice's Resume lets the drill go on.
    await click('mallory', pausedMessage, 'resume');
    await ephemeralTo('mallory', /not linked to an approver or operator/);
    await click('alice', pausedMessage, 'resume');
    const resumed = await waitForRecord(
      client,
      workflowId,
      (r) => step(r, 'preparation.after')?.status === 'succeeded',
    );
    expect(existsSync(after)).toBe(true);
    const pauseRecord = resumed.pauses?.[0];
    expect(pauseRecord).toMatchObject({
      by: 'oncall',
      resumedBy: 'alice',
      resumeReason: 'resumed in Slack',
      heldAt: expect.any(String),
    });
    expect(Date.parse(step(resumed, 'preparation.after')?.startedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(pauseRecord?.resumedAt ?? ''),
    );
    expect(resumed.waits?.some((w) => w.kind === 'pause' && w.result === 'resumed' && w.by === 'alice')).toBe(true);
    // The paused message is edited once the pause ends: who resumed, no buttons left.
    const closed = await slack.waitFor('chat.update', (c) => c.params.ts === pausedMessage.ts);
    expect(JSON.stringify(closed.params.blocks)).toMatch(new RegExp(`Resumed by <@${U.alice}>`));

    // The old Resume button, clicked again, does nothing: the drill is not held by that pause any more.
    await click('bob', pausedMessage, 'resume');
    await ephemeralTo('bob', /that Resume button is for a pause that is over/);
    expect((await waitForRecord(client, workflowId, () => true)).pauses).toHaveLength(1);

    await client.workflow.getHandle(workflowId).cancel();
    await waitForRecord(client, workflowId, (r) => r.status === 'cancelled');
  });
});
