/** The drillbook CLI against a real server: start prints the ID, refusals exit 1 with the reason, status shows the record. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitForPending, waitForRecord } from './support/operators';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import { writeFileSync } from 'node:fs';

const run = promisify(execFile);

describe('the drillbook CLI', () => {
  const queue = uniqueQueue('cli');
  let worker: RunningWorker;
  let lab: StandinLab;
  let planFile: string;
  const cli = (...args: string[]) =>
    run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, DRILLBOOK_TASK_QUEUE: queue },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);

  beforeAll(async () => {
    worker = await startTestWorker(queue);
    lab = await createStandinLab('cli-lab');
    lab.appctl('start', 'primary');
    planFile = path.join(lab.dir, 'cli-lab.yaml');
    writeFileSync(planFile, lab.planYaml);
  });

  afterAll(async () => {
    lab?.stopAll();
    await worker?.stop();
  });

  it('starts, shows, refuses and answers a drill', async () => {
    const started = await cli('start', planFile, '--by', 'oncall', '--reason', 'cli test');
    expect(started).toMatchObject({ stdout: 'drill-cli-lab\n' });

    const again = await cli('start', planFile, '--by', 'dave');
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toContain('refused: a drill of cli-lab is already running');

    const client = await testClient();
    try {
      await waitForPending(client, 'drill-cli-lab', 'task');
      const status = await cli('status', 'cli-lab', '--json');
      const record = JSON.parse(status.stdout);
      expect(record).toMatchObject({
        target: 'cli-lab',
        requestedBy: 'oncall',
        reason: 'cli test',
        status: 'awaiting-task',
      });

      const text = await cli('status', 'cli-lab', '--once');
      expect(text.stdout).toContain('WAITING for task "preparation.confirm-backups"');

      const wrongTask = await cli('complete', 'cli-lab', 'nope', '--as', 'oncall');
      expect(wrongTask).toMatchObject({ code: 1 });
      expect(wrongTask.stderr).toContain('task "nope" is not open; the open task is "preparation.confirm-backups"');

      const done = await cli(
        'complete',
        'cli-lab',
        'preparation.confirm-backups',
        '--as',
        'oncall',
        '--note',
        'checked',
      );
      expect(done.stdout).toContain('oncall completed preparation.confirm-backups');
      await waitForPending(client, 'drill-cli-lab', 'approval', 'approve-pre-reboot');

      const self = await cli('approve', 'cli-lab', '--as', 'oncall');
      expect(self).toMatchObject({ code: 1 });
      expect(self.stderr).toContain('oncall is not an approver of this plan');
      const first = await cli('approve', 'drill-cli-lab', '--as', 'alice', '--comment', 'ok');
      expect(first.stdout).toContain('alice approved approve-pre-reboot; 1 more approval(s) needed');

      const rejected = await cli('reject', 'cli-lab', '--as', 'bob', '--comment', 'not today');
      expect(rejected.stdout).toContain('bob rejected approve-pre-reboot');
      await waitForRecord(client, 'drill-cli-lab', (r) => r.status === 'rejected');
      const list = await cli('list');
      expect(list.stdout).toMatch(/drill-cli-lab\s+\w+/);
    } finally {
      await client.connection.close();
    }
  });

  it('refuses bad words with exit 2 and starts nothing', async () => {
    const badMode = await cli('start', planFile, '--mode', 'chaos');
    expect(badMode).toMatchObject({ code: 2 });
    expect(badMode.stderr).toContain('--mode must be one of drill, failover, failback, reprotect, got "chaos"');
    const badDecision = await cli('decide', 'cli-lab', 'maybe', '--as', 'oncall');
    expect(badDecision).toMatchObject({ code: 2 });
  });
});
