/**
 * `kind: sharedStorage`: a shared folder per site with replication between them. Defaults,
 * refusals naming the field, and the switch (a canary file written on the old side must reach the
 * new one before anything moves, the plan's activate command makes the new copy writable, the
 * canary is verified there after). Pure: the real loader and compiler.
 */
import { phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const files = (more: Record<string, unknown> = {}) => ({
  files: {
    kind: 'sharedStorage',
    primary: { path: '/var/www/MISP', via: ['ssh', 'misp-dc1'] },
    secondary: {
      path: '/var/www/MISP',
      via: ['ssh', 'misp-dc2'],
      activate: { command: ['ssh', 'misp-dc2', 'drbdadm', 'primary', 'misp'] },
    },
    ...more,
  },
});

test('a minimal shared folder gets the documented defaults', () => {
  expect(planWith(files()).components.files).toMatchObject({
    tier: 'database',
    canaryTimeout: 60_000,
    primary: { path: '/var/www/MISP', mountpoint: false },
    secondary: { mountpoint: false },
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(files({ primary: { path: 'www/MISP', via: ['ssh', 'misp-dc1'] } }))).toEqual([
    "components.files.primary.path: with via, give an absolute path: a relative one would be the remote login's",
  ]);
  expect(refusalsOf(files({ primary: { path: '/var/www/MISP; rm -rf /' } }))).toEqual([
    'components.files.primary.path: expected a path of letters, digits and _.@%+=:,/- (no spaces or shell characters)',
  ]);
  expect(refusalsOf(files({ primary: { path: '/var/www/MISP', via: [] } }))).toEqual([
    'components.files.primary.via: expected the program that reaches the host, e.g. [ssh, misp-dc1]',
  ]);
});

test('a failover waits for the canary file to reach the new side, makes its copy writable, and verifies the canary there', () => {
  const plan = planWith(files({ canaryTimeout: '2m' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failover.files.guard.secondary', 'storageGuard', 'secondary', false],
    ['failover.files.activate.secondary', 'runCommand', 'secondary', true],
  ]);
  expect(stepById(failover, 'failover.files.guard.secondary').args).toMatchObject({
    canaryTimeoutMs: 120_000,
    from: 'primary',
    to: 'secondary',
    canary: 'primary-to-secondary',
  });
  expect(stepById(failover, 'failover.files.activate.secondary').args).toMatchObject({
    command: { argv: ['ssh', 'misp-dc2', 'drbdadm', 'primary', 'misp'] },
  });
  const check = phaseSteps(plan, 'drill', 'failover-check');
  expect(check.map((s) => [s.id, s.action])).toEqual([
    ['failover-check.files.health.secondary', 'storageHealth'],
    ['failover-check.files.verify.secondary', 'storageVerify'],
  ]);
  // After the switch the new side is the serving one: its health check asks that it takes writes.
  expect(stepById(check, 'failover-check.files.health.secondary').args).toMatchObject({ serving: true });
  expect(stepById(phaseSteps(plan, 'drill', 'preparation'), 'preparation.files.health.primary').args).toMatchObject({
    serving: true,
  });
});

test('without an activate command nothing in the switch changes the storage', () => {
  const failover = phaseSteps(
    planWith(files({ secondary: { path: '/var/www/MISP', via: ['ssh', 'misp-dc2'] } })),
    'drill',
    'failover',
  );
  expect(failover.map((s) => [s.id, s.destructive])).toEqual([['failover.files.guard.secondary', false]]);
});

test('reprotect: waits for the returned folder, makes the serving side the source, checks nothing flows back, resyncs the other way', () => {
  const plan = planWith(files({ canaryTimeout: '20s' }));
  const reprotect = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(reprotect.map((s) => [s.segment, s.id, s.action, s.site, s.destructive, s.bestEffort])).toEqual([
    ['await', 'reprotect.files.returned.primary', 'storageAwaitReturn', 'primary', false, false],
    ['fence', 'reprotect.files.source.secondary', 'runCommand', 'secondary', true, false],
    ['fence', 'reprotect.files.fenced.primary', 'storageFenced', 'primary', false, false],
    ['resync', 'reprotect.files.resync.primary', 'storageGuard', 'primary', false, false],
  ]);
  // The serving site's activate command is what makes it the source: the same one a failover ran.
  expect(stepById(reprotect, 'reprotect.files.source.secondary').args).toMatchObject({
    command: { argv: ['ssh', 'misp-dc2', 'drbdadm', 'primary', 'misp'] },
  });
  // The resync's canary is written on the serving site and read on the returned one, as a planned switch's.
  expect(stepById(reprotect, 'reprotect.files.resync.primary').args).toMatchObject({
    from: 'secondary',
    to: 'primary',
    planned: true,
    canary: 'secondary-to-primary-resync',
    canaryTimeoutMs: 20_000,
  });
  const check = phaseSteps(plan, 'reprotect', 'reprotect-check');
  expect(check.map((s) => [s.id, s.action])).toEqual([['reprotect-check.files.replicates.primary', 'storageGuard']]);
  expect(check[0].args).toMatchObject({ from: 'secondary', to: 'primary', canary: 'secondary-to-primary-reprotected' });
});

test('reprotect without an activate command on the serving site only checks the fence', () => {
  const plan = planWith(files({ secondary: { path: '/var/www/MISP', via: ['ssh', 'misp-dc2'] } }));
  expect(phaseSteps(plan, 'reprotect', 'reprotect').map((s) => s.id)).toEqual([
    'reprotect.files.returned.primary',
    'reprotect.files.fenced.primary',
    'reprotect.files.resync.primary',
  ]);
});
