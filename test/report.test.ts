/**
 * The evidence report: the timeline's arithmetic on a known record, every format on a real drill
 * (approvals, an operator retry, a manual task), saved by the worker at the end and rendered on
 * demand by `drillbook report` while a drill still runs.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { decide, startDrill } from '../src/drills';
import { renderReport } from '../render/report';
import { buildTimeline, unionMs } from '../render/report/timeline';
import { driveDrill, waitForPending } from './support/operators';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { DrillRecord } from '../domain';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const t = (s: number) => new Date(Date.UTC(2026, 3, 7, 8, 0, 0) + s * 1000).toISOString();

/** A small finished drill: one approval wait of 60s, two machine steps, one manual task. */
function knownRecord(): DrillRecord {
  return {
    drillId: 'drill-known',
    target: 'known',
    mode: 'failover',
    requestedBy: 'oncall',
    reason: 'Q2 DR test | ticket <CHG-1>',
    startedAt: t(0),
    endedAt: t(200),
    status: 'succeeded',
    plan: {
      platform: 'misp',
      sites: { primary: 'dc1', secondary: 'dc2' },
      approvers: ['alice', 'bob'],
      fourEyes: true,
      quorum: 1,
      objectives: { rtoMs: 300_000, rpoMs: 60_000 },
    },
    phases: [{ id: 'failover', title: 'Failover', status: 'done', startedAt: t(61), endedAt: t(150) }],
    steps: [
      {
        id: 'failover.app.stop.primary',
        phase: 'failover',
        title: 'Stop app on dc1',
        action: 'runCommand',
        destructive: true,
        status: 'succeeded',
        startedAt: t(61),
        endedAt: t(71),
        attempts: 1,
        runs: 1,
        summary: 'stopped',
        facts: { exitCode: 0 },
      },
      {
        id: 'failover.dns.switch.secondary',
        phase: 'failover',
        title: 'Point cti at dc2',
        action: 'route53Switch',
        destructive: true,
        status: 'succeeded',
        startedAt: t(66),
        endedAt: t(80),
        attempts: 2,
        runs: 1,
        summary: 'now points at dc2',
      },
      {
        id: 'failover.confirm',
        phase: 'failover',
        title: 'Confirm <users> are told',
        action: 'manualTask',
        destructive: false,
        status: 'succeeded',
        startedAt: t(90),
        endedAt: t(140),
        attempts: 1,
        runs: 1,
      },
    ],
    approvals: [
      { gate: 'approve-failover', decision: 'approved', by: 'alice', at: t(60), via: 'update', comment: 'go | ahead' },
    ],
    decisions: [],
    tasks: [
      {
        stepId: 'failover.confirm',
        instructions: 'tell users',
        openedAt: t(90),
        completedBy: 'oncall',
        completedAt: t(140),
        via: 'update',
      },
    ],
    refusals: [
      {
        at: t(30),
        by: 'oncall',
        action: 'approve',
        reason: 'four-eyes rule: oncall started this drill and cannot approve it',
      },
    ],
    reminders: [],
    waits: [
      {
        kind: 'approval',
        id: 'approve-failover',
        phase: 'failover',
        from: t(0),
        to: t(60),
        result: 'approved',
        by: 'alice',
      },
      {
        kind: 'task',
        id: 'failover.confirm',
        phase: 'failover',
        from: t(90),
        to: t(140),
        result: 'completed',
        by: 'oncall',
      },
    ],
    pending: null,
    rto: {
      measuredMs: 19_000,
      objectiveMs: 300_000,
      met: true,
      from: t(61),
      to: t(80),
      evidence: 'from the start of "Stop app on dc1" to the end of "Point cti at dc2"',
    },
    outcome: 'The failover of known succeeded.',
  };
}

describe('the report of a known record', () => {
  it('adds up machine time and people time without counting overlaps twice', () => {
    expect(
      unionMs([
        { from: 0, to: 10 },
        { from: 5, to: 20 },
        { from: 30, to: 31 },
      ]),
    ).toBe(21);
    const { totals, rows } = buildTimeline(knownRecord());
    expect(totals).toEqual({ totalMs: 200_000, machineMs: 19_000, peopleMs: 110_000, otherMs: 71_000 });
    expect(rows.map((r) => r.label)).toEqual([
      'failover (done)',
      'waiting: approval approve-failover (alice)',
      'Stop app on dc1',
      'Point cti at dc2',
      'Confirm <users> are told',
    ]);
    expect(rows[4].bars[0].kind).toBe('people');
  });

  it('renders Markdown, HTML, JSON and SVG that carry the evidence and escape what they must', () => {
    const report = renderReport(knownRecord(), { now: Date.parse(t(300)) });
    expect(report.md).toContain('| **Requested by** | oncall |');
    expect(report.md).toContain('Q2 DR test \\| ticket \\<CHG-1>');
    expect(report.md).toMatch(/\| RTO \(time to recover\) \| 5m \| 19s \| met \|/);
    expect(report.md).toMatch(/\| RPO \(data loss\) \| 1m \| not measured \|/);
    expect(report.md).toContain('| approve-failover | approved | alice | 08:01:00 | update | go \\| ahead |');
    expect(report.md).toContain('four-eyes rule: oncall started this drill');
    expect(report.md).toContain('| **Waiting for people (approvals, decisions, manual tasks)** | 1m50s |');
    expect(report.md).toContain('![Timeline');
    expect(report.html).not.toContain('<users>');
    expect(report.html).toContain('Confirm &lt;users&gt; are told');
    expect(report.html).toContain('<svg');
    expect(report.svg).toContain('url(#people)');
    expect(report.svg).toContain('waiting for people 1m50s (55%)');
    const json = JSON.parse(report.json);
    expect(json).toMatchObject({ reportVersion: 1, time: { peopleMs: 110_000 }, record: { drillId: 'drill-known' } });
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'drillbook-svg-')), 'timeline.svg');
    writeFileSync(file, report.svg);
    // Well-formed XML, or browsers show nothing.
    execFileSync('python3', ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])', file]);
  });

  it('marks a running drill as interim, with its open gate running up to now', () => {
    const record = {
      ...knownRecord(),
      status: 'awaiting-approval' as const,
      endedAt: undefined,
      pending: {
        kind: 'approval' as const,
        id: 'signoff',
        prompt: 'Sign off',
        since: t(150),
        approvedBy: [],
        quorum: 1,
      },
    };
    const report = renderReport(record, { now: Date.parse(t(250)) });
    expect(report.md).toMatch(/^Interim report: the drill is still awaiting-approval/m);
    expect(report.md).toContain('| approval | signoff | 08:02:30 | still open | 1m40s | open |');
    expect(report.svg).toContain('url(#people-open)');
  });
});

describe('the report of a real drill', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  const queue = uniqueQueue('report');
  const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-reports-'));

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue, { reportsDir });
    lab = await createStandinLab('report-lab', (plan) => {
      plan.approvals.reminderAfter = '5m';
      // Fails its first three attempts, so an operator has to decide; passes after the retry.
      const counter = path.join(os.tmpdir(), `drillbook-smoke-${Date.now()}`);
      plan.steps.push({
        id: 'smoke-test',
        phase: 'failover-check',
        title: 'Run the smoke tests against the secondary',
        site: 'secondary',
        command: {
          argv: [
            'sh',
            '-c',
            `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 4 ] || { echo "smoke test $n failed" >&2; exit 1; }`,
          ],
        },
      });
    });
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    await worker?.stop();
    await client?.connection.close();
  });

  it('is written at the end with every approval, the retry decision, the waits and the timeline', async () => {
    const handle = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
      reason: 'Quarterly DR test (report test)',
    });
    const cli = (...args: string[]) =>
      run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
        env: { ...process.env, DRILLBOOK_TASK_QUEUE: queue },
      });

    // On demand, while it waits at the first gate.
    await waitForPending(client, handle.workflowId, 'task');
    const interim = await cli('report', handle.workflowId, '--format', 'json');
    expect(JSON.parse(interim.stdout)).toMatchObject({ record: { status: 'awaiting-task' } });

    // People take a moment at each gate, so the picture shows their time apart from the machine's.
    const people = {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      onGate: async () => {
        await sleep(1200);
      },
    };
    let record = await driveDrill(client, handle.workflowId, people);
    expect(record.pending).toMatchObject({ kind: 'decision', id: 'failover-check.smoke-test' });
    await sleep(800);
    await decide(client, handle.workflowId, {
      by: 'oncall',
      decision: 'retry',
      reason: 'the smoke test environment was still starting',
    });
    record = await driveDrill(client, handle.workflowId, people);
    expect(record.status).toBe('succeeded');

    const dir = path.join(reportsDir, handle.workflowId);
    const deadline = Date.now() + 20_000;
    while (
      !(existsSync(dir) && readdirSync(dir).filter((f) => !f.endsWith('.tmp')).length === 4) &&
      Date.now() < deadline
    )
      await sleep(200);
    const files = readdirSync(dir).sort();
    const base = record.startedAt.replace(/[:.]/g, '-');
    expect(files).toEqual([`${base}.html`, `${base}.json`, `${base}.md`, `${base}.svg`]);

    const md = readFileSync(path.join(dir, `${base}.md`), 'utf8');
    for (const gate of ['approve-pre-reboot', 'approve-failover', 'approve-failback', 'signoff']) {
      expect(md).toMatch(new RegExp(`\\| ${gate} \\| approved \\| alice \\|`));
      expect(md).toMatch(new RegExp(`\\| ${gate} \\| approved \\| bob \\|`));
    }
    expect(md).toContain('| failover-check.smoke-test | retry | oncall |');
    expect(md).toMatch(/\| RTO \(time to recover\) \| 5m \| [\d.]+s \| met \|/);
    expect(md).toContain('| **Requested by** | oncall |');
    expect(md).toContain('Run the smoke tests against the secondary');
    expect(md).toMatch(
      /\| 1 \(run 2\) \| succeeded: .* Earlier run [\d:]+ → [\d:]+: FAILED after 3 attempt\(s\): .*exited 1: smoke test 3 failed/,
    );
    expect(md).toContain(
      `![Timeline of the drill: phases and steps, with the time spent waiting for people hatched](${base}.svg)`,
    );

    const json = JSON.parse(readFileSync(path.join(dir, `${base}.json`), 'utf8'));
    expect(json.time.peopleMs).toBeGreaterThan(5 * 1000);
    expect(json.time.machineMs).toBeGreaterThan(0);
    expect(json.record.waits.map((w: { id: string }) => w.id)).toEqual(
      expect.arrayContaining([
        'approve-failover',
        'failover-check.smoke-test',
        'signoff',
        'preparation.confirm-backups',
      ]),
    );

    const svg = readFileSync(path.join(dir, `${base}.svg`), 'utf8');
    expect(svg).toContain('url(#people)');
    expect(svg).toContain('waiting: operator decision failover-check.smoke-test (oncall)');
    expect(svg).toContain('waiting: approval approve-failover (alice, bob)');
    expect(svg).toMatch(/fill="#c62828"><title>Run the smoke tests against the secondary: failed, 3 attempts/);
    expect(readFileSync(path.join(dir, `${base}.html`), 'utf8')).toContain('<svg');

    // `drillbook report` of the finished drill gives the same Markdown as the worker wrote, bar the generation time.
    const again = await cli('report', handle.workflowId);
    const withoutStamp = (text: string) => text.replace(/Generated .*$/m, '');
    expect(withoutStamp(again.stdout)).toEqual(withoutStamp(md));

    if (process.env.DRILLBOOK_WRITE_DOCS === '1')
      copyFileSync(path.join(dir, `${base}.svg`), path.join(ROOT, 'docs', 'report-timeline.svg'));
  });
});
