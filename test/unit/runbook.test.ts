/** compileRunbook: the modes run the phases the DR guide names, in order, and the dry run is what runs. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parsePlan } from '../../plan/load';
import { compileRunbook } from '../../workflows/runbook';
import { runsLocally } from '../../workflows/steps';
import { ROOT } from '../support/standinLab';
import type { Plan } from '../../domain';

function plan(file: string): Plan {
  const result = parsePlan(readFileSync(path.join(ROOT, 'plans', file), 'utf8'));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.plan;
}

describe('compileRunbook', () => {
  const tc = plan('threatconnect.example.yaml');

  it('a drill runs all eight phases, with gates before pre-reboot, failover and failback', () => {
    const runbook = compileRunbook(tc, 'drill');
    expect(runbook.phases.map((p) => p.id)).toEqual([
      'preparation',
      'pre-reboot',
      'check',
      'failover',
      'failover-check',
      'failback',
      'failback-check',
      'wrap-up',
    ]);
    expect(runbook.phases.filter((p) => p.needsApproval).map((p) => p.id)).toEqual([
      'pre-reboot',
      'failover',
      'failback',
    ]);
  });

  it('a real outage runs only failover and failover-check, and what touches the primary is best-effort', () => {
    const runbook = compileRunbook(tc, 'failover');
    expect(runbook.phases.map((p) => p.id)).toEqual(['failover', 'failover-check']);
    const steps = runbook.phases.flatMap((p) => p.steps);
    expect(steps.filter((s) => s.site === 'primary').every((s) => s.bestEffort)).toBe(true);
    expect(steps.filter((s) => s.site === 'secondary').every((s) => !s.bestEffort)).toBe(true);
    expect(
      compileRunbook(tc, 'drill')
        .phases.flatMap((p) => p.steps)
        .some((s) => s.bestEffort),
    ).toBe(false);
  });

  it('failover stops app, search, database on the primary, switches, then starts database, search, app on the secondary', () => {
    const failover = compileRunbook(tc, 'drill').phases.find((p) => p.id === 'failover');
    const titles = failover?.steps.map((s) => s.title);
    expect(titles).toEqual([
      // The example plan measures time to protection: its test indicator is planted before the first stop.
      "ThreatConnect on ams1: plant the drill's test indicator (a TEST-NET-1 address labelled with this drill's run) before the first stop",
      'Stop app on ams1',
      'Stop search on ams1',
      'Stop db on ams1',
      'Point the load balancer VIP at fra1',
      'Start db on fra1',
      'Start search on fra1',
      'Start app on fra1',
    ]);
    expect(failover?.steps.find((s) => s.title === 'Stop app on ams1')?.marks).toContain('rto-start');
    expect(failover?.steps[0].marks).not.toContain('rto-start');
    expect(failover?.steps.filter((s) => s.destructive)).toHaveLength(7);
  });

  it("places a team's manual steps in their segment and confirms backups in preparation", () => {
    const runbook = compileRunbook(tc, 'drill');
    const preReboot = runbook.phases.find((p) => p.id === 'pre-reboot')?.steps.map((s) => s.id);
    expect(preReboot?.indexOf('pre-reboot.reboot-esx')).toBeGreaterThan(
      preReboot?.indexOf('pre-reboot.db.stop.primary') ?? Infinity,
    );
    expect(preReboot?.indexOf('pre-reboot.reboot-esx')).toBeLessThan(
      preReboot?.indexOf('pre-reboot.db.start.primary') ?? -1,
    );
    const prep = runbook.phases.find((p) => p.id === 'preparation')?.steps ?? [];
    expect(prep.map((s) => s.action)).toContain('manualTask');
    expect(prep.at(-1)?.id).toBe('preparation.vm-snapshots');
    const lab = compileRunbook(plan('example-lab.yaml'), 'drill').phases[0].steps;
    expect(lab.at(-1)?.id).toBe('preparation.confirm-backups');
  });

  it('reprotect runs its own two phases behind its own gate, on the returned primary, never best-effort', () => {
    const runbook = compileRunbook(tc, 'reprotect');
    expect(runbook.phases.map((p) => [p.id, p.needsApproval])).toEqual([
      ['reprotect', true],
      ['reprotect-check', false],
    ]);
    const steps = runbook.phases.flatMap((p) => p.steps);
    expect(steps.every((s) => !s.bestEffort)).toBe(true);
    // Reprotect moves no service: there is no RTO to measure and no way back to offer.
    expect(steps.some((s) => s.marks.length > 0)).toBe(false);
  });

  it("runs a plan's own steps in `prepare` before the components' guards of a failback", () => {
    const lab = plan('lab.yaml');
    const withPrep: Plan = {
      ...lab,
      steps: [
        ...lab.steps,
        {
          id: 'restore-credentials',
          title: 'Put the replication credentials back on the old primary',
          phase: 'failback',
          segment: 'prepare',
          command: { run: ['true'] },
        } as unknown as Plan['steps'][number],
      ],
    };
    const failback = compileRunbook(withPrep, 'failback').phases[0].steps;
    const prep = failback.findIndex((s) => s.id === 'failback.restore-credentials');
    const firstGuard = failback.findIndex((s) => s.segment === 'guard');
    expect(prep).toBeGreaterThanOrEqual(0);
    expect(firstGuard).toBeGreaterThan(prep);
    expect(failback[prep].segment).toBe('prepare');
  });

  it("gives every step a unique id, the plan's retry policy and a timeout", () => {
    for (const mode of ['drill', 'failover', 'failback'] as const) {
      const steps = compileRunbook(tc, mode).phases.flatMap((p) => p.steps);
      expect(new Set(steps.map((s) => s.id)).size).toBe(steps.length);
      for (const step of steps) {
        expect(step.retry.maximumAttempts).toBe(5);
        expect(step.timeoutMs).toBeGreaterThanOrEqual(1000);
      }
    }
  });

  it('marks the checks that change nothing, and only short ones run as local activities', () => {
    const lab = plan('example-lab.yaml');
    lab.steps.push(
      {
        id: 'smoke',
        phase: 'failover-check',
        title: 'Smoke test',
        destructive: false,
        readOnly: true,
        command: { argv: ['true'], shell: false, expectExit: [0], timeout: 5000 },
      },
      {
        id: 'announce',
        phase: 'failover-check',
        title: 'Post a message',
        destructive: false,
        command: { argv: ['true'], shell: false, expectExit: [0], timeout: 5000 },
      },
    );
    const steps = compileRunbook(lab, 'drill').phases.flatMap((p) => p.steps);
    const readOnly = steps.filter((s) => s.readOnly).map((s) => s.id);
    expect(readOnly).toEqual(
      expect.arrayContaining([
        'preparation.app.health.primary',
        'failover-check.app.health.secondary',
        'failover-check.app.old-side-down.primary',
        'failover-check.smoke',
      ]),
    );
    expect(
      steps
        .filter((s) => s.destructive || s.action === 'manualTask' || s.id.endsWith('announce'))
        .some((s) => s.readOnly),
    ).toBe(false);
    const byId = (id: string) => steps.find((s) => s.id === id) as (typeof steps)[number];
    // A 3 s HTTP check runs locally; the same check waiting up to 30 s for a started service does not.
    expect(runsLocally(byId('preparation.app.health.primary'))).toBe(true);
    expect(runsLocally(byId('failover-check.app.health.secondary'))).toBe(false);
    expect(runsLocally(byId('failover-check.smoke'))).toBe(true);
    expect(runsLocally(byId('failover-check.announce'))).toBe(false);
    expect(runsLocally({ ...byId('failover-check.smoke'), timeoutMs: 60_000 })).toBe(false);
  });

  it('is pure: the same plan compiles to the same runbook', () => {
    expect(compileRunbook(tc, 'drill')).toEqual(compileRunbook(tc, 'drill'));
  });
});
