/**
 * Every refusal on the record: a drill started from the UI under a wrong workflow ID shows as
 * refused, with its reason, in `status` and `list`, and like a second start of a running target it
 * is kept in the target's audit trail, which `drillbook audit` prints and the drill's report shows.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { readAudit } from '../store/auditTrail';
import { waitForPending } from './support/operators';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

const run = promisify(execFile);

describe('refusals at the start', () => {
  const queue = uniqueQueue('refusals');
  let worker: RunningWorker;
  let client: Client;
  let lab: StandinLab;
  let planFile: string;
  const auditDir = (): string => process.env.DRILLBOOK_AUDIT_DIR as string;
  const cli = (...args: string[]) =>
    run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, DRILLBOOK_TASK_QUEUE: queue },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
    lab = await createStandinLab('refusal-lab');
    lab.appctl('start', 'primary');
    planFile = path.join(lab.dir, 'refusal-lab.yaml');
    writeFileSync(planFile, lab.planYaml);
  });

  afterAll(async () => {
    lab?.stopAll();
    await worker?.stop();
    await client?.connection.close();
  });

  it('a wrong-ID start is refused in status and list, and with a second start is kept in the audit trail and the report', async () => {
    expect(await cli('start', planFile, '--by', 'oncall', '--reason', 'refusal test')).toMatchObject({
      stdout: 'drill-refusal-lab\n',
    });
    await waitForPending(client, 'drill-refusal-lab', 'task');

    const again = await cli('start', planFile, '--by', 'dave');
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toContain('refused: a drill of refusal-lab is already running');

    // As the Temporal UI starts one: its own ID (the UI offers a random one), the input the form takes.
    const wrongId = 'refusal-lab-from-the-ui';
    const handle = await client.workflow.start('drillWorkflow', {
      taskQueue: queue,
      workflowId: wrongId,
      args: [{ target: 'refusal-lab', requestedBy: 'erin', mode: 'drill' }],
    });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);

    const status = await cli('status', wrongId, '--once');
    expect(status.stdout).toContain('status: refused');
    expect(status.stdout).toContain('must run under the workflow ID drill-refusal-lab, not refusal-lab-from-the-ui');
    const json = JSON.parse((await cli('status', wrongId, '--json')).stdout);
    expect(json).toMatchObject({ status: 'refused', requestedBy: 'erin', steps: [] });

    // Listing is eventually consistent: asked until the refused drill shows, for at most 20 s.
    let line: string | undefined;
    for (let i = 0; i < 40 && !line?.includes('refused'); i++) {
      line = (await cli('list', '--limit', '200')).stdout.split('\n').find((l: string) => l.startsWith(wrongId));
      if (!line?.includes('refused')) await sleep(500);
    }
    expect(line).toMatch(
      /^refusal-lab-from-the-ui\s+FAILED\s+drill\s+.*refused\s+\S+ a drill of refusal-lab must run under the workflow ID drill-refusal-lab/,
    );

    const trail = (await readAudit(auditDir(), 'refusal-lab')).entries;
    expect(trail).toEqual([
      expect.objectContaining({
        kind: 'duplicate-start',
        by: 'dave',
        via: 'cli',
        workflowId: 'drill-refusal-lab',
        reason: expect.stringContaining('already running'),
      }),
      expect.objectContaining({
        kind: 'wrong-id-start',
        by: 'erin',
        via: 'ui',
        workflowId: wrongId,
        reason: expect.stringContaining('must run under the workflow ID drill-refusal-lab'),
      }),
    ]);
    const audit = await cli('audit', 'refusal-lab');
    expect(audit.stdout).toMatch(
      /duplicate-start\s+via cli\s+by dave \[drill-refusal-lab\]: a drill of refusal-lab is already running/,
    );
    expect(audit.stdout).toMatch(
      /wrong-id-start\s+via ui\s+by erin \[refusal-lab-from-the-ui\]: a drill of refusal-lab must run under/,
    );

    // The running drill's report shows both under "Refused", in Markdown and HTML.
    const md = (await cli('report', 'refusal-lab')).stdout;
    const refused = md.slice(md.indexOf('## Refused'), md.indexOf('## Phases and steps'));
    expect(refused).toContain('start under a wrong workflow ID');
    expect(refused).toContain('second start while a drill ran');
    expect(refused).toMatch(/\| erin \| ui \| a drill of refusal-lab must run under the workflow ID drill-refusal-lab/);
    const html = (await cli('report', 'refusal-lab', '--format', 'html')).stdout;
    expect(html).toContain('<h2>Refused</h2>');
    expect(html).toContain('second start while a drill ran');
    // And the refused drill's own report says what it was.
    expect((await cli('report', wrongId)).stdout).toContain('| **Status** | refused |');

    await client.workflow.getHandle('drill-refusal-lab').cancel();
  });
});
