/**
 * One source, one build id: this tree copied to another folder and built there with its own
 * `npm run build` is the same build as the project's own dist/, so a drill started by a worker of
 * one folder is finished by a worker of the other, with no adoption needed. The other folder then
 * builds a changed workflow (a new build id): `npm run build` keeps the earlier build by its id, and
 * the worker that finishes the drill is that kept build, run with `drillbook worker --build <id>`.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { servingOf } from '../src/temporal/placement';
import { build, builtCopy, versionOf } from './support/builtTrees';
import { driveDrill, waitForPending } from './support/operators';
import { spawnWorker, type WorkerProcess } from './support/processes';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { testClient, uniqueQueue } from './support/temporal';

const run = promisify(execFile);

/** Workers of built trees use their own bundle and build id, not the test run's. */
const OWN_BUILD = { DRILLBOOK_WORKFLOW_BUNDLE: undefined, DRILLBOOK_BUILD_ID: undefined };

describe('one source, one build id', () => {
  let client: Client;
  let lab: StandinLab;
  const processes: WorkerProcess[] = [];
  const copies: string[] = [];

  beforeAll(async () => {
    client = await testClient();
    lab = await createStandinLab('build-id-lab');
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    for (const worker of processes) await worker.stop();
    lab?.stopAll();
    for (const copy of copies) rmSync(copy, { recursive: true, force: true });
    await client?.connection.close();
  });

  it('a copy built in another folder has the same id; its kept build, run by --build after a rebuild, finishes a drill the first folder started', async () => {
    const other = builtCopy('build-id');
    copies.push(other);
    const here = versionOf(ROOT);
    expect(versionOf(other)).toEqual(here);
    expect(here.buildId).toMatch(/^\d+\.\d+\.\d+-[0-9a-f]{12}$/);
    expect(existsSync(path.join(ROOT, 'builds', here.buildId, 'workflow-bundle.js'))).toBe(true);

    // The other folder's workflow code changes (a comment is enough: the id is what the sources are) and is built again.
    appendFileSync(path.join(other, 'workflows', 'index.ts'), '// a change after the first build\n');
    build(other);
    const rebuilt = versionOf(other);
    expect(rebuilt.buildId).not.toBe(here.buildId);
    for (const id of [here.buildId, rebuilt.buildId])
      expect(existsSync(path.join(other, 'builds', id, 'src', 'cli.js'))).toBe(true);

    const queue = uniqueQueue('build-id');
    const first = spawnWorker(queue, lab.dir, OWN_BUILD);
    processes.push(first);
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
    expect((await servingOf(client, queue, workflowId))?.drill.pinnedTo).toBe(here.buildId);
    await first.kill();

    const second = spawnWorker(queue, lab.dir, OWN_BUILD, other, ['--build', here.buildId]);
    processes.push(second);
    await waitForPending(client, workflowId, 'approval', 'approve-pre-reboot', 60_000);
    const done = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(done.status).toBe('succeeded');
    expect(done.adoptions).toBeUndefined(); // the same build: no move was needed
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const identities = new Set(
      (history.events ?? []).map((e) => e.workflowTaskCompletedEventAttributes?.identity).filter(Boolean),
    );
    // The kept build's worker is a child of the `--build` process: another identity than the first worker's.
    expect(identities.size).toBe(2);
    expect(identities.has(`${first.child.pid}@${os.hostname()}`)).toBe(true);
  }, 600_000); // two builds of a copy, about 90 s each on two busy cores

  it('`drillbook worker --build` refuses a build that is not kept, naming the kept ones', async () => {
    const cli = path.join(ROOT, 'dist', 'src', 'cli.js');
    const refused = await run(process.execPath, [cli, 'worker', '--build', '0.0.1-000000000000']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect((refused as { code: number }).code).toBe(2);
    expect((refused as { stderr: string }).stderr).toMatch(
      /build 0\.0\.1-000000000000 is not kept in .*builds \(kept: .*\d+\.\d+\.\d+-[0-9a-f]{12}/,
    );
  });
});
