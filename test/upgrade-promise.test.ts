/**
 * The promise of an upgrade: a drill waiting for a person keeps running what it started with.
 * Build A starts a drill; build B (a changed recipe and an added step) comes up while the drill
 * waits at a gate; the drill finishes exactly as build A compiled it, and the next drill runs B's.
 * Build B is a real other build: its workflow bundle has a changed service recipe (as its plan
 * activity has), so a drill that compiled its runbook in the workflow would show B's titles.
 */
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { compileDrill } from '../workflows/runbook';
import { bundleBuildB } from './support/buildB/bundle';
import { driveDrill, waitForPending } from './support/operators';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { CompiledDrill, DrillMode, Plan, Step } from '../domain';

/** Build B's recipes: the app's titles say so, and failover-check gains a step. */
function buildB(plan: Plan, mode: DrillMode): CompiledDrill {
  const compiled = compileDrill(plan, mode);
  for (const phase of compiled.runbook.phases) {
    for (const step of phase.steps) if (step.component === 'app') step.title = `${step.title} (build B)`;
    if (phase.id === 'failover-check') {
      const extra: Step = {
        ...phase.steps[0],
        id: 'failover-check.build-b-smoke',
        title: 'Smoke test added by build B',
        action: 'runCommand',
        args: { command: { argv: ['true'], shell: false, expectExit: [0] } },
        marks: [],
      };
      phase.steps.push(extra);
    }
  }
  return compiled;
}

const stepsOf = (compiled: CompiledDrill) =>
  compiled.runbook.phases.flatMap((p) => p.steps.map((s) => ({ id: s.id, title: s.title })));

/** Which workers did the drill's work: the identities on its started activities and completed workflow tasks. */
async function workersOf(client: Client, workflowId: string): Promise<Set<string>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const identities = new Set<string>();
  for (const event of history.events ?? []) {
    const identity =
      event.activityTaskStartedEventAttributes?.identity ?? event.workflowTaskCompletedEventAttributes?.identity;
    if (identity) identities.add(identity);
  }
  return identities;
}

describe('upgrading workers while a drill waits at a gate', () => {
  let client: Client;
  let lab: StandinLab;
  let buildBCode: string;
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    client = await testClient();
    buildBCode = await bundleBuildB();
    lab = await createStandinLab('upgrade-lab');
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    for (const worker of workers) await worker.stop();
    await client?.connection.close();
  });

  it('versioned: the pinned drill finishes on build A as A compiled it; the next drill runs build B', async () => {
    const queue = uniqueQueue('upgrade');
    workers.push(await startTestWorker(queue, {}, { buildId: 'build-a', identity: 'worker-a' }));
    const first = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    const atGate = await driveDrill(client, first.workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      stopAt: 'approve-failover',
    });
    expect(atGate.pending?.id).toBe('approve-failover');

    // Build B comes up and becomes the version new drills start on.
    workers.push(
      await startTestWorker(
        queue,
        { compile: buildB },
        { buildId: 'build-b', identity: 'worker-b', workflowBundleCode: buildBCode },
      ),
    );

    const firstRecord = await driveDrill(client, first.workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(firstRecord.status).toBe('succeeded');
    const planOfLab = (await import('../plan/load')).parsePlan(lab.planYaml);
    if (!planOfLab.ok) throw new Error('the lab plan is invalid');
    const asACompiled = stepsOf(compileDrill(planOfLab.plan, 'drill'));
    expect(firstRecord.steps.map(({ id, title }) => ({ id, title }))).toEqual(asACompiled);
    expect(firstRecord.steps.every((s) => s.status === 'succeeded')).toBe(true);
    await first.result();
    expect(await workersOf(client, first.workflowId)).toEqual(new Set(['worker-a']));

    const second = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    const secondRecord = await driveDrill(client, second.workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
    });
    expect(secondRecord.status).toBe('succeeded');
    expect(secondRecord.steps.map(({ id, title }) => ({ id, title }))).toEqual(
      stepsOf(buildB(planOfLab.plan, 'drill')),
    );
    expect(secondRecord.steps.find((s) => s.id === 'failover-check.build-b-smoke')?.status).toBe('succeeded');
    await second.result();
    expect(await workersOf(client, second.workflowId)).toEqual(new Set(['worker-b']));
  });

  it('unversioned: a drill taken over by build B after build A stopped still runs the runbook in its history', async () => {
    const queue = uniqueQueue('takeover');
    const unversioned = { versioned: false as const };
    const a = await startTestWorker(queue, {}, { ...unversioned, identity: 'worker-a' });
    const drill = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await driveDrill(client, drill.workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      stopAt: 'approve-failover',
    });
    await a.stop();

    workers.push(
      await startTestWorker(
        queue,
        { compile: buildB },
        { ...unversioned, identity: 'worker-b', workflowBundleCode: buildBCode },
      ),
    );
    await waitForPending(client, drill.workflowId, 'approval', 'approve-failover');
    const record = await driveDrill(client, drill.workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(record.status).toBe('succeeded');
    await drill.result();
    expect(record.steps.some((s) => s.title.includes('build B') || s.id === 'failover-check.build-b-smoke')).toBe(
      false,
    );
    expect(await workersOf(client, drill.workflowId)).toEqual(new Set(['worker-a', 'worker-b']));
  });
});
