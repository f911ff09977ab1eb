/**
 * Hand-overs are durable: an approval no worker takes within a few seconds is recorded in the
 * drill's history as a signal, so it survives a dev-server restart (the update held in flight would
 * not), and the drill acts on it once a worker is back. An answer handed over while its update is
 * still in flight is acted on once, never twice (no false refusal "already approved" in the
 * approver's name).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { approve, startDrill } from '../src/drills';
import { approveUpdate } from '../workflows/handlers';
import { handleInteraction } from '../src/slack/interactions';
import { createSlackServer, INTERACTIONS_PATH } from '../src/slack/server';
import { newSlackClient } from '../src/slack/settings';
import { startDevServer, type DevServer } from '../src/temporal/server';
import { defaultActivityDeps, workflowSource } from '../src/worker';
import { driveDrill, waitForRecord } from './support/operators';
import { freePort } from './support/ports';
import { clickPayload, gateMessage, send, signedRequest } from './support/slackClicks';
import { startSlackStandin, STANDIN_BOT_TOKEN } from './support/slackStandin';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { quietRuntime, startTestWorker, testClient, uniqueQueue } from './support/temporal';

const run = promisify(execFile);

describe('an answer handed over while no worker runs', () => {
  beforeAll(() => quietRuntime());
  const labs: StandinLab[] = [];
  afterAll(() => labs.forEach((lab) => lab.stopAll()));

  it('is recorded in history, survives a dev-server restart, and is taken when a worker is back', async () => {
    const lab = await createStandinLab('handover-restart-lab');
    labs.push(lab);
    lab.appctl('start', 'primary');
    // A server of the test's own, restarted on its SQLite file as an operator's would be.
    const port = await freePort();
    const dbFile = path.join(lab.dir, 'temporal.db');
    const logFile = path.join(lab.dir, 'temporal.log');
    let server: DevServer = await startDevServer({ port, headless: true, dbFile, logFile });
    const queue = uniqueQueue('handover');
    const startWorker = async () => {
      const connection = await NativeConnection.connect({ address: server.address });
      const worker = await Worker.create({
        connection,
        taskQueue: queue,
        ...workflowSource(),
        activities: createActivities(defaultActivityDeps()),
      });
      return { worker, running: worker.run(), connection };
    };
    const stopWorker = async (w: Awaited<ReturnType<typeof startWorker>>) => {
      if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
      await w.running.catch(() => undefined);
      await w.connection.close();
    };
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined = await startWorker();
    let client = new Client({ connection: await Connection.connect({ address: server.address }) });
    try {
      const { workflowId } = await startDrill(client, queue, {
        target: lab.target,
        requestedBy: 'oncall',
        planYaml: lab.planYaml,
      });
      await driveDrill(client, workflowId, {
        approvers: ['alice', 'bob'],
        operator: 'oncall',
        stopAt: 'approve-pre-reboot',
      });
      await stopWorker(worker);
      worker = undefined;

      // alice approves from the CLI, as a person does, while no worker runs.
      const env = { ...process.env, TEMPORAL_ADDRESS: server.address, DRILLBOOK_TASK_QUEUE: queue };
      const cli = await run(
        process.execPath,
        [
          path.join(ROOT, 'dist', 'src', 'cli.js'),
          'approve',
          workflowId,
          '--as',
          'alice',
          '--comment',
          'while the worker was down',
        ],
        { env },
      );
      expect(cli.stdout).toMatch(
        /your approve is recorded in the drill's history and will be acted on when a worker is back/,
      );
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      expect(
        history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'approveSignal'),
      ).toHaveLength(1);

      // The server goes down and comes back on the same file: whatever it held only in memory is gone.
      await client.connection.close();
      await server.stop();
      server = await startDevServer({ port, headless: true, dbFile, logFile });
      client = new Client({ connection: await Connection.connect({ address: server.address }) });
      worker = await startWorker();

      const taken = await waitForRecord(client, workflowId, (r) => r.approvals.some((a) => a.by === 'alice'), 60_000);
      expect(taken.approvals.filter((a) => a.gate === 'approve-pre-reboot')).toEqual([
        expect.objectContaining({ by: 'alice', via: 'cli', comment: 'while the worker was down' }),
      ]);
      expect(taken.refusals).toEqual([]);
      expect(taken.pending).toMatchObject({ id: 'approve-pre-reboot', approvedBy: ['alice'] });
      // Nobody approves again: bob's is the second of the two the plan needs, and the drill goes on to the end.
      const done = await driveDrill(client, workflowId, { approvers: ['bob', 'carol'], operator: 'oncall' });
      expect(done.status).toBe('succeeded');
      expect(done.approvals.filter((a) => a.gate === 'approve-pre-reboot').map((a) => a.by)).toEqual(['alice', 'bob']);
      expect(done.steps.filter((s) => s.phase === 'pre-reboot').every((s) => s.status === 'succeeded')).toBe(true);
      expect(done.refusals).toEqual([]);
    } finally {
      if (worker) await stopWorker(worker);
      await client.connection.close();
      await server.stop();
    }
  });

  it('is acted on once when its update, still in flight, is delivered too', async () => {
    const lab = await createStandinLab('handover-once-lab');
    labs.push(lab);
    lab.appctl('start', 'primary');
    const queue = uniqueQueue('handover-once');
    const client = await testClient();
    let worker = await startTestWorker(queue);
    try {
      const { workflowId } = await startDrill(client, queue, {
        target: lab.target,
        requestedBy: 'oncall',
        planYaml: lab.planYaml,
      });
      await driveDrill(client, workflowId, {
        approvers: ['alice', 'bob'],
        operator: 'oncall',
        stopAt: 'approve-pre-reboot',
      });
      await worker.stop();

      const answer = await approve(client, workflowId, { by: 'alice' });
      expect(answer.accepted).toBe(false);
      const requestId = (answer as { requestId: string }).requestId;

      worker = await startTestWorker(queue);
      const record = await waitForRecord(client, workflowId, (r) => r.approvals.some((a) => a.by === 'alice'), 60_000);
      // The update sent first may still be delivered after the signal was taken (a server that kept
      // it); the drill knows the answer by its request id and refuses it unrecorded. Without the id
      // it would be refused as "alice has already approved" and kept as a refusal in her name.
      const late = await client.workflow
        .getHandle(workflowId)
        .executeUpdate(approveUpdate, { args: [{ by: 'alice', channel: 'cli', requestId }] })
        .then(
          (r) => `taken: ${r.message}`,
          (error: unknown) =>
            error instanceof WorkflowUpdateFailedError
              ? `refused: ${error.cause?.message}`
              : `error: ${(error as Error).message}`,
        );
      expect(late).toBe(`refused: this answer (request ${requestId}) was recorded already; nothing was done twice`);
      const after = await waitForRecord(client, workflowId, () => true);
      expect(after.approvals.filter((a) => a.by === 'alice')).toHaveLength(1);
      expect(after.refusals).toEqual([]);
      expect(record.pending).toMatchObject({ id: 'approve-pre-reboot', approvedBy: ['alice'] });
      await client.workflow.getHandle(workflowId).terminate('test done');
    } finally {
      await worker.stop();
      await client.connection.close();
    }
  });

  it('from Slack: the click is recorded, the person told so, and the drill takes it when a worker is back', async () => {
    const SECRET = 'handover-signing-secret';
    const slack = await startSlackStandin();
    const web = newSlackClient(STANDIN_BOT_TOKEN, slack.url);
    const lab = await createStandinLab('handover-slack-lab', (plan) => {
      plan.approvals.approvers = [{ id: 'alice', slack: 'U0ALICE' }, { id: 'bob', slack: 'U0BOB' }, 'carol'];
      plan.notifications = { slack: { channel: 'C0HANDOVER', users: { oncall: 'U0ONCALL' } } };
    });
    labs.push(lab);
    lab.appctl('start', 'primary');
    const queue = uniqueQueue('handover-slack');
    const client = await testClient();
    const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-handover-reports-'));
    let worker = await startTestWorker(queue, { slack: web, reportsDir });
    const endpoint = createSlackServer({
      signingSecret: SECRET,
      replayDir: mkdtempSync(path.join(os.tmpdir(), 'drillbook-handover-replay-')),
      handle: (p, meta) => handleInteraction(p, { temporal: client, web }, meta),
    });
    await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(endpoint.server.address() as AddressInfo).port}${INTERACTIONS_PATH}`;
    try {
      const { workflowId } = await startDrill(client, queue, {
        target: lab.target,
        requestedBy: 'oncall',
        planYaml: lab.planYaml,
      });
      await driveDrill(client, workflowId, { approvers: [], operator: 'oncall', stopAt: 'approve-pre-reboot' });
      const gate = await gateMessage(slack, 'approve-pre-reboot');
      await worker.stop();

      // The endpoint reads the drill from its history (no worker answers its query) and records the click.
      expect((await send(url, signedRequest(SECRET, clickPayload('U0ALICE', gate, 'approve')))).status).toBe(200);
      const told = await slack.waitFor('chat.postEphemeral', (c) => c.params.user === 'U0ALICE', 60_000);
      expect(String(told.params.text)).toMatch(
        /Recorded: .*kept in the drill's history and will be acted on when a worker is back/,
      );

      worker = await startTestWorker(queue, { slack: web, reportsDir });
      const record = await waitForRecord(client, workflowId, (r) => r.approvals.some((a) => a.by === 'alice'), 60_000);
      expect(record.approvals).toEqual([
        expect.objectContaining({
          gate: 'approve-pre-reboot',
          by: 'alice',
          via: 'slack',
          comment: 'approved in Slack',
        }),
      ]);
      expect(record.refusals).toEqual([]);
      await client.workflow.getHandle(workflowId).terminate('test done');
    } finally {
      await endpoint.close();
      await worker.stop();
      await slack.close();
      await client.connection.close();
    }
  });
});
