/** Plans the bench drills: no-op steps, the lab's failover with its measured step durations, and precheck targets. */
import path from 'node:path';
import { stringify } from 'yaml';
import { loadPlanFile } from '../../plan/load';
import { PROJECT_ROOT } from '../../store/config';
import type { PlanDefaults } from '../../domain';

const base = (target: string) => ({
  target,
  platform: 'generic',
  sites: { primary: { name: 'a' }, secondary: { name: 'b' } },
  approvals: { approvers: ['alice', 'bob'], quorum: 1, reminderAfter: '1h', timeout: '2h' },
});

/** `readOnly`: the steps are marked as checks that change nothing (short, so they run as local activities). */
export function noopPlan(target: string, steps: number, options: { readOnly?: boolean } = {}): string {
  const marked = options.readOnly ? { readOnly: true, timeout: '5s' } : {};
  return stringify({
    ...base(target),
    components: {
      noop: {
        kind: 'service',
        primary: { health: { command: ['true'] } },
        secondary: { health: { command: ['true'] } },
      },
    },
    steps: Array.from({ length: steps }, (_, i) => ({
      id: `noop-${i}`,
      phase: 'failover-check',
      segment: 'verify',
      title: `No-op ${i}`,
      command: ['true'],
      ...marked,
    })),
  });
}

/**
 * The lab's failover shape (plans/lab.yaml: an app, an OpenSearch node, a MariaDB pair and a
 * PostgreSQL pair) with each action a sleep of the time it took on the lab (closing note of the
 * data-tier issue): app stop 1.7 s and start 0.56 s, OpenSearch drain 0.37 s + stop 1.45 s, MariaDB
 * fence 0.017 s and promote 0.047 s, PostgreSQL stop 0.157 s, promote 0.199 s and rewind 0.52 s.
 */
export function labShapedPlan(target: string): string {
  const sleep = (s: number) => ({ command: ['sleep', String(s)] });
  const service = (tier: string, stop: number, start: number) => ({
    kind: 'service',
    tier,
    primary: { health: { command: ['true'] }, stop: sleep(stop), start: sleep(start) },
    secondary: { health: { command: ['true'] }, stop: sleep(stop), start: sleep(start) },
  });
  return stringify({
    ...base(target),
    objectives: { rto: '10m' },
    components: {
      app: service('app', 1.7, 0.561),
      search: service('search', 0.37 + 1.45, 0.4),
      db: service('database', 0.017, 0.047),
      pg: service('database', 0.157, 0.199 + 0.52),
    },
  });
}

/**
 * A target with four read-only checks: a database's health on both sites, an app's health, and its
 * program present. Health checks carry a timeout (5 s) as real ones do (plans/example-lab.yaml: 3 s).
 */
export function precheckPlan(target: string): string {
  const health = { command: { argv: ['true'], timeout: '5s' } };
  return stringify({
    ...base(target),
    components: {
      db: { kind: 'service', tier: 'database', primary: { health }, secondary: { health } },
      app: { kind: 'service', primary: { health }, secondary: { health } },
    },
  });
}

/** The lab plans' step settings (plans/lab.yaml's defaults, as loaded: retry and heartbeat timeout). */
export async function labPlanSettings(): Promise<{ file: string; defaults: PlanDefaults }> {
  const file = path.join('plans', 'lab.yaml');
  const plan = await loadPlanFile(path.join(PROJECT_ROOT, file));
  return { file, defaults: plan.defaults };
}

const durationText = (ms: number): string => `${ms}ms`;

/** One long command step (a minute) in failover-check, on these defaults: the step a worker dies in. */
export function busyPlan(target: string, defaults: PlanDefaults): string {
  return stringify({
    ...base(target),
    components: {
      noop: {
        kind: 'service',
        primary: { health: { command: ['true'] } },
        secondary: { health: { command: ['true'] } },
      },
    },
    steps: [{ id: 'slow', phase: 'failover-check', segment: 'verify', title: 'A long step', command: ['sleep', '60'] }],
    defaults: {
      stepTimeout: durationText(defaults.stepTimeout),
      heartbeatTimeout: durationText(defaults.heartbeatTimeout),
      retry: {
        maximumAttempts: defaults.retry.maximumAttempts,
        initialInterval: durationText(defaults.retry.initialInterval),
        backoffCoefficient: defaults.retry.backoffCoefficient,
        maximumInterval: durationText(defaults.retry.maximumInterval),
      },
    },
  });
}
