/**
 * `kind: postgres` as a plan writes it: defaults, refusals naming the field, and the switch the
 * runbook makes (guard, stop the old primary cleanly, promote once it replayed everything,
 * re-protect the old side with pg_rewind, verify the canary). The pair check judges described
 * nodes. Pure: the real loader and compiler, no server.
 */
import { pairProblems } from './activities/pair';
import type { PgNode } from './activities/inspect';
import type { PostgresArgs } from './actions';
import { idsOf, phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const lab = (role: string) => ({
  stop: { command: ['lab', 'stop', 'postgres', role] },
  rewind: { command: ['lab', 'rewind', 'postgres', role] },
});
const pg = (more: Record<string, unknown> = {}) => ({
  pg: {
    kind: 'postgres',
    user: 'drill',
    password: { env: 'PG_PW' },
    primary: { port: 5433 },
    secondary: { port: 5434 },
    ...more,
  },
});

test('a minimal postgres pair gets the documented defaults', () => {
  expect(planWith(pg()).components.pg).toEqual({
    kind: 'postgres',
    tier: 'database',
    user: 'drill',
    password: { env: 'PG_PW' },
    database: 'postgres',
    catchUpTimeout: 60_000,
    primary: { host: '127.0.0.1', port: 5433 },
    secondary: { host: '127.0.0.1', port: 5434 },
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(pg({ primary: { port: '5433' } }))).toEqual([
    'components.pg.primary.port: expected a port number from 1 to 65535',
  ]);
  expect(refusalsOf(pg({ primary: { port: 70000 } }))).toEqual([
    'components.pg.primary.port: expected a port number from 1 to 65535',
  ]);
  expect(refusalsOf(pg({ user: undefined }))).toEqual(['components.pg.user: is required (expected string)']);
  expect(refusalsOf(pg({ catchUpTimeout: 'soon' }))).toEqual([
    'components.pg.catchUpTimeout: expected a duration such as "30s", "15m" or "4h", got "soon"',
  ]);
});

test('a failover makes sure the new side is a standby, stops the old primary cleanly before it promotes, then re-protects the old side; the canary is verified on the new one', () => {
  const plan = planWith(
    pg({
      catchUpTimeout: '30s',
      primary: { port: 5433, ...lab('primary') },
      secondary: { port: 5434, ...lab('secondary') },
    }),
  );
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(idsOf(failover)).toEqual([
    'failover.pg.reprotect.secondary',
    'failover.pg.guard.secondary',
    'failover.pg.stop.primary',
    'failover.pg.promote.secondary',
    'failover.pg.reprotect.primary',
  ]);
  expect(failover.map((s) => [s.action, s.site, s.destructive])).toEqual([
    ['postgresReprotect', 'secondary', true],
    ['postgresGuard', 'secondary', false],
    ['runCommand', 'primary', true],
    ['postgresPromote', 'secondary', true],
    ['postgresReprotect', 'primary', true],
  ]);
  // The promote waits up to catchUpTimeout for the replay, and its step two minutes longer.
  expect(stepById(failover, 'failover.pg.promote.secondary')).toMatchObject({
    timeoutMs: 150_000,
    args: { from: 'primary', to: 'secondary', planned: true, catchUpTimeoutMs: 30_000, database: 'postgres' },
  });
  expect(stepById(failover, 'failover.pg.reprotect.primary').args).toMatchObject({
    rewind: { argv: ['lab', 'rewind', 'postgres', 'primary'] },
  });
  expect(stepById(phaseSteps(plan, 'drill', 'failover-check'), 'failover-check.pg.verify.secondary')).toMatchObject({
    action: 'postgresVerify',
    args: { canary: 'primary-to-secondary' },
  });
  // Failback first makes sure the primary site is a standby again, then guards.
  const failback = idsOf(phaseSteps(plan, 'drill', 'failback'));
  expect(failback.indexOf('failback.pg.reprotect.primary')).toBeLessThan(failback.indexOf('failback.pg.guard.primary'));
});

test('without a rewind driver nothing re-protects; in a real outage the old side is not re-protected', () => {
  expect(idsOf(phaseSteps(planWith(pg()), 'drill', 'failover'))).toEqual([
    'failover.pg.guard.secondary',
    'failover.pg.promote.secondary',
  ]);
  const outage = phaseSteps(
    planWith(pg({ primary: { port: 5433, ...lab('primary') }, secondary: { port: 5434, ...lab('secondary') } })),
    'failover',
    'failover',
  );
  expect(stepById(outage, 'failover.pg.promote.secondary').args).toMatchObject({ planned: false });
  expect(idsOf(outage)).not.toContain('failover.pg.reprotect.secondary');
});

describe('pairProblems', () => {
  const args = {
    sites: { primary: { host: '127.0.0.1', port: 5433 }, secondary: { host: '127.0.0.1', port: 5434 } },
  } as PostgresArgs;
  const primary: PgNode = {
    site: 'primary',
    name: 'dc1',
    endpoint: '127.0.0.1:5433',
    reachable: true,
    inRecovery: false,
    walLogHints: true,
    dataChecksums: false,
  };
  const standby: PgNode = {
    site: 'secondary',
    name: 'dc2',
    endpoint: '127.0.0.1:5434',
    reachable: true,
    inRecovery: true,
    walLogHints: true,
    receiver: { status: 'streaming', senderHost: '127.0.0.1', senderPort: 5433, receivedTli: 1 },
  };

  test('a primary and a standby streaming from it, both rewindable, is fine', () => {
    expect(pairProblems(args, primary, standby)).toEqual([]);
  });

  test('two primaries, a standby streaming from elsewhere, or no rewind support are problems', () => {
    expect(pairProblems(args, primary, { ...standby, inRecovery: false, receiver: null })).toEqual([
      'TWO PRIMARIES: both nodes accept writes',
    ]);
    expect(
      pairProblems(args, primary, {
        ...standby,
        receiver: { status: 'streaming', senderHost: '10.0.0.9', senderPort: 5999, receivedTli: 1 },
      }),
    ).toEqual(['dc2 does not stream from dc1 (receiver streaming)']);
    expect(pairProblems(args, { ...primary, walLogHints: false }, standby)).toEqual([
      'dc1 has neither wal_log_hints nor data checksums: pg_rewind cannot re-protect it',
    ]);
  });
});

test('after an outage nothing touches the lost primary; reprotect mode awaits it, checks it refuses writes, rewinds it and checks it streams', () => {
  const plan = planWith(
    pg({ primary: { port: 5433, ...lab('primary') }, secondary: { port: 5434, ...lab('secondary') } }),
  );
  expect(idsOf(phaseSteps(plan, 'failover', 'failover'))).not.toContain('failover.pg.reprotect.primary');
  const reprotect = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(reprotect.map((s) => [s.id, s.action, s.site])).toEqual([
    ['reprotect.pg.await-return.primary', 'postgresAwaitReturn', 'primary'],
    ['reprotect.pg.fence.primary', 'postgresFence', 'primary'],
    ['reprotect.pg.reprotect.primary', 'postgresReprotect', 'primary'],
  ]);
  expect(stepById(reprotect, 'reprotect.pg.reprotect.primary').args).toMatchObject({
    from: 'primary',
    to: 'secondary',
    rewind: { argv: ['lab', 'rewind', 'postgres', 'primary'] },
  });
  expect(idsOf(phaseSteps(plan, 'reprotect', 'reprotect-check'))).toEqual(['reprotect-check.pg.reprotected.primary']);
  // Without a rewind command the step is still there, to fail saying so rather than skip silently.
  expect(idsOf(phaseSteps(planWith(pg()), 'reprotect', 'reprotect'))).toContain('reprotect.pg.reprotect.primary');
});
