/**
 * `kind: service`: anything run by commands and checked over HTTP. Defaults, refusals naming the
 * field, and the switch (stop on the old site, start on the new, the new side healthy and the old
 * side no longer answering). Pure: the real loader and compiler.
 */
import { idsOf, phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const side = (port: number) => ({
  stop: { command: ['systemctl', 'stop', 'app'] },
  start: { command: ['systemctl', 'start', 'app'] },
  health: { http: { url: `http://127.0.0.1:${port}/health`, within: '45s' } },
});
const app = (more: Record<string, unknown> = {}) => ({
  app: { kind: 'service', primary: side(8080), secondary: side(8081), ...more },
});

test('a minimal service gets the app tier and drivers with their defaults', () => {
  const component = planWith(app()).components.app;
  expect(component).toMatchObject({ kind: 'service', tier: 'app' });
  expect(component.kind === 'service' && component.primary).toEqual({
    stop: { command: { argv: ['systemctl', 'stop', 'app'], shell: false, expectExit: [0] } },
    start: { command: { argv: ['systemctl', 'start', 'app'], shell: false, expectExit: [0] } },
    health: { http: { url: 'http://127.0.0.1:8080/health', method: 'GET', expectStatus: [200], within: 45_000 } },
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(app({ tier: 'frontend' }))).toEqual([
    'components.app.tier: expected one of "app"|"search"|"database"|"traffic"',
  ]);
  // Worded as an unknown field of the plan itself is (plan/components.ts passes the kind's issues on as raised).
  expect(refusalsOf(app({ secondary: { restart: { command: ['x'] } } }))).toEqual([
    'components.app.secondary: unknown field "restart"; accepted: health, stop, start, reboot, maintenanceOn, maintenanceOff',
  ]);
  expect(
    refusalsOf(app({ secondary: { stop: { command: ['x'], http: { url: 'http://127.0.0.1:8081/stop' } } } })),
  ).toEqual([
    'components.app.secondary.stop: expected a step driver with exactly one of command, http, ssm, manual, got command and http',
  ]);
});

test('a failover stops the old site first (RTO starts there), starts the new one, then checks it is up and the old side is down', () => {
  const plan = planWith(app());
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failover.app.stop.primary', 'runCommand', 'primary', true],
    ['failover.app.start.secondary', 'runCommand', 'secondary', true],
  ]);
  expect(failover[0].marks).toContain('rto-start');
  const check = phaseSteps(plan, 'drill', 'failover-check');
  expect(stepById(check, 'failover-check.app.health.secondary')).toMatchObject({
    action: 'checkHttp',
    readOnly: true,
    marks: ['rto-end'],
    args: { expect: 'up', http: { url: 'http://127.0.0.1:8081/health', within: 45_000 } },
  });
  expect(stepById(check, 'failover-check.app.old-side-down.primary')).toMatchObject({
    action: 'checkHttp',
    site: 'primary',
    readOnly: true,
    args: { expect: 'down', http: { url: 'http://127.0.0.1:8080/health' } },
  });
});

test('a site without a driver contributes no step for it: no stop, no old-side check', () => {
  const plan = planWith(app({ primary: { health: { http: { url: 'http://127.0.0.1:8080/health' } } } }));
  expect(idsOf(phaseSteps(plan, 'drill', 'failover'))).toEqual(['failover.app.start.secondary']);
  expect(idsOf(phaseSteps(plan, 'drill', 'failover-check'))).toEqual(['failover-check.app.health.secondary']);
});

test("reprotect waits until the returned site's service answers, ignoring what its body says, for the step's whole timeout", () => {
  const plan = planWith(
    app({
      timeout: '10m',
      primary: {
        ...side(8080),
        health: { http: { url: 'http://127.0.0.1:8080/health', bodyMatch: '"writable":true' } },
      },
    }),
  );
  const reprotect = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(reprotect.map((s) => [s.segment, s.id, s.action, s.site, s.readOnly])).toEqual([
    ['await', 'reprotect.app.returned.primary', 'checkHttp', 'primary', true],
  ]);
  // A returned node may answer with its database fenced read-only: answering is what is awaited.
  expect(reprotect[0].args).toMatchObject({
    http: { url: 'http://127.0.0.1:8080/health', within: 600_000, bodyMatch: undefined },
    expect: 'up',
  });
  expect(reprotect[0].timeoutMs).toBeGreaterThan(600_000);
  expect(phaseSteps(plan, 'reprotect', 'reprotect-check')).toEqual([]);
  // A service no site runs (a shared frontend: no start command) is not awaited.
  const frontend = planWith({
    web: {
      kind: 'service',
      tier: 'traffic',
      primary: { health: side(80).health },
      secondary: { health: side(80).health },
    },
  });
  expect(phaseSteps(frontend, 'reprotect', 'reprotect')).toEqual([]);
});
