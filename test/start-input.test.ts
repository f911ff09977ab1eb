/** Starting as the Temporal UI does: by target name, the worker loads the plan; bad input fails at once with the reason. */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { drillStatus, startDrill } from '../src/drills';
import { waitForPending } from './support/operators';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

describe('starting a drill', () => {
  let client: Client;
  let worker: RunningWorker;
  const queue = uniqueQueue('start');

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue); // plans from the project's plans/ folder
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
  });

  const failureOf = async (input: object, workflowId: string): Promise<string> => {
    const handle = await client.workflow.start('drillWorkflow', { taskQueue: queue, workflowId, args: [input] });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    return `${cause?.message ?? ''} ${(cause?.cause as Error | undefined)?.message ?? ''}`;
  };

  it('by target name, with the input the UI form takes: the worker loads plans/<target>.yaml', async () => {
    const handle = await startDrill(client, queue, { target: 'example-lab', mode: 'failover', requestedBy: 'dave' });
    const record = await waitForPending(client, handle.workflowId, 'approval', 'approve-failover');
    expect(record.plan).toMatchObject({
      sites: { primary: 'lab-dc1', secondary: 'lab-dc2' },
      approvers: ['alice', 'bob', 'carol'],
      quorum: 2,
    });
    expect(record.phases.map((p) => p.id)).toEqual(['failover', 'failover-check']);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect((await drillStatus(client, handle.workflowId)).status).toBe('cancelled');
  });

  it('fails at once, nothing run, for a target without a plan', async () => {
    expect(await failureOf({ target: 'no-such-target', requestedBy: 'dave' }, 'drill-no-such-target')).toMatch(
      /no plan for target "no-such-target"/,
    );
  });

  it('fails at once naming the field for an invalid plan given inline', async () => {
    const message = await failureOf(
      { target: 'inline-bad', requestedBy: 'dave', planYaml: 'target: inline-bad\nplatform: generic\n' },
      'drill-inline-bad',
    );
    expect(message).toMatch(/the plan given at start is not a valid plan: sites: is required.*approvals: is required/);
  });

  it('fails at once for malformed input such as a missing requestedBy or an unknown mode', async () => {
    const message = await failureOf({ target: 'example-lab', mode: 'yolo' }, 'drill-bad-input');
    expect(message).toContain('requestedBy: say who starts the drill');
    expect(message).toContain('mode: expected one of drill, failover, failback');
  });
});
