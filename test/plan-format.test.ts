/**
 * What a plan can say about its own steps and how it is written: a step limited to some modes, an
 * order within a segment (`after`), components of a tier started in the reverse of their stop
 * order, and a check written once with a YAML anchor and reused with merge keys. Checked through
 * `drillbook plan show --json`, the runbook a drill would run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './support/standinLab';
import type { Runbook } from '../domain';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-format-'));
const cli = (...args: string[]) =>
  run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], { cwd: ROOT }).then(
    (done) => ({ code: 0, ...done }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

function planFile(name: string, text: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

const HEADER = `
target: format
platform: generic
sites: { primary: { name: euc1 }, secondary: { name: euw1 } }
approvals: { approvers: [alice] }
`;

const PLAN = `${HEADER}
# Written once, reused below: a Compose-style x- key holds the anchors and is not part of the plan.
x-checks:
  platform: &platform
    url: https://opencti-euc1.example.org/graphql
    method: POST
    headers: { Authorization: { env: OPENCTI_TOKEN } }
    body: { query: "{ about { version } }" }
    expectJson: [{ path: data.about.version, exists: true }]
  service: &service
    kind: service
    tier: app
components:
  platform:
    <<: *service
    primary:
      health: { http: *platform }
      start: { command: [kubectl, --context, euc1, scale, deploy/platform, --replicas=2] }
      stop: { command: [kubectl, --context, euc1, scale, deploy/platform, --replicas=0] }
    secondary:
      health: { http: { <<: *platform, url: https://opencti-euw1.example.org/graphql } }
      start: { command: [kubectl, --context, euw1, scale, deploy/platform, --replicas=2] }
      stop: { command: [kubectl, --context, euw1, scale, deploy/platform, --replicas=0] }
  worker:
    <<: *service
    primary:
      start: { command: [kubectl, --context, euc1, scale, deploy/worker, --replicas=3] }
      stop: { command: [kubectl, --context, euc1, scale, deploy/worker, --replicas=0] }
    secondary:
      start: { command: [kubectl, --context, euw1, scale, deploy/worker, --replicas=3] }
      stop: { command: [kubectl, --context, euw1, scale, deploy/worker, --replicas=0] }
steps:
  - { id: notify, phase: failover, segment: guard, title: Tell the SOC, manual: Post in the SOC channel, after: [freeze] }
  - { id: freeze, phase: failover, segment: guard, title: Freeze ingest, command: [true] }
  - { id: primary-gone, phase: failover, segment: guard, title: The primary no longer answers, modes: [drill, failback], http: { <<: *platform, expectStatus: [200] } }
`;

const idsOf = (runbook: Runbook, phase: string, segment: string) =>
  runbook.phases
    .find((p) => p.id === phase)
    ?.steps.filter((s) => s.segment === segment)
    .map((s) => s.id) ?? [];

describe('the plan format', () => {
  let drill: Runbook;
  let failover: Runbook;

  beforeAll(async () => {
    const file = planFile('format', PLAN);
    const shown = await Promise.all(
      ['drill', 'failover'].map((mode) => cli('plan', 'show', file, '--json', '--mode', mode)),
    );
    for (const outcome of shown) expect(outcome).toMatchObject({ code: 0, stderr: '' });
    [drill, failover] = shown.map((outcome) => JSON.parse(outcome.stdout) as Runbook);
  });

  it('reuses an anchored check and merges its differences in', () => {
    const health = drill.phases
      .find((p) => p.id === 'failover-check')
      ?.steps.find((s) => s.id === 'failover-check.platform.health.secondary');
    expect(health?.args).toMatchObject({
      http: {
        url: 'https://opencti-euw1.example.org/graphql',
        method: 'POST',
        headers: { Authorization: { env: 'OPENCTI_TOKEN' } },
        expectJson: [{ path: 'data.about.version', exists: true }],
      },
    });
  });

  it('runs a step only in the modes it names', () => {
    expect(idsOf(drill, 'failover', 'guard')).toContain('failover.primary-gone');
    expect(idsOf(failover, 'failover', 'guard')).not.toContain('failover.primary-gone');
  });

  it("orders a segment's steps by after", () => {
    expect(idsOf(failover, 'failover', 'guard')).toEqual(['failover.freeze', 'failover.notify']);
  });

  it('starts the components of a tier in the reverse of their stop order', () => {
    const components = (segment: string) => [
      ...new Set(
        failover.phases
          .find((p) => p.id === 'failover')
          ?.steps.filter((s) => s.segment === segment)
          .map((s) => s.component),
      ),
    ];
    expect(components('stop')).toEqual(['platform', 'worker']);
    expect(components('start')).toEqual(['worker', 'platform']);
  });

  it.each([
    [
      'a step after one that does not exist',
      '  - { id: a, phase: check, title: A, manual: x, after: [nope] }',
      'steps[id=a].after[0]: expected the id of another step in steps; there is no step "nope"',
    ],
    [
      'a step after one of another segment',
      '  - { id: a, phase: check, title: A, manual: x }\n  - { id: b, phase: failover, title: B, manual: x, after: [a] }',
      'steps[id=b].after[0]: "a" is in check.health, this step in failover.start: after orders steps within one segment',
    ],
    [
      'steps waiting on each other',
      '  - { id: a, phase: check, title: A, manual: x, after: [b] }\n  - { id: b, phase: check, title: B, manual: x, after: [a] }',
      'steps[id=a].after: steps a, b each wait for another of them; nothing could start',
    ],
    [
      'an unknown mode',
      '  - { id: a, phase: check, title: A, manual: x, modes: [outage] }',
      'steps[id=a].modes[0]: expected modes among drill, failover, failback',
    ],
  ])('refuses %s, naming the path', async (_what, steps, line) => {
    const file = planFile(
      'order',
      `${HEADER}components:\n  app: { kind: service, primary: {}, secondary: {} }\nsteps:\n${steps}\n`,
    );
    const outcome = await cli('plan', 'check', file);
    expect(outcome).toMatchObject({ code: 2, stdout: '' });
    expect(outcome.stderr).toContain(`\n  ${line}`);
  });
});
