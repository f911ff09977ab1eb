/**
 * How long each component action of a lab takes alone: runs the steps of a failover and a failback
 * of the lab's plan one after another (no parallel lanes, no Temporal, no people) against the
 * running lab, and prints each step's time and the sum per action.
 *   npm run build && bash scripts/lab/opencti.sh up && node dist/scripts/action-times.js plans/opencti-lab.yaml
 *   npm run build && bash scripts/lab/misp.sh up && node dist/scripts/action-times.js plans/misp-lab.yaml
 * It moves the lab to the secondary and back, as a drill does, so the lab must be as `up` leaves it
 * (the primary serving); it stops at the first failure.
 */
import path from 'node:path';
import { createActivities } from '../activities';
import { exitOnFailure, parseCommandLine } from '../src/commandLine';
import { UsageError } from '../src/commands/errors';
import { PROJECT_ROOT } from '../store/config';
import { exitWhenFlushed } from '../store/exit';
import { loadPlanFile } from '../plan/load';
import { compileRunbook } from '../workflows/runbook';
import type { ActivityStepAction, StepActivities, StepInput } from '../domain';

const USAGE = 'node dist/scripts/action-times.js PLAN (plans/opencti-lab.yaml or plans/misp-lab.yaml)';

async function main(): Promise<void> {
  const { positionals } = parseCommandLine({
    program: 'action-times',
    usage: USAGE,
    options: {},
    allowPositionals: true,
  });
  const [planFile, ...extra] = positionals;
  if (!planFile || extra.length > 0) throw new UsageError(`usage: ${USAGE}`);
  // The lab's AWS stand-in (moto) takes any keys; real keys stay out of a timing run.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const plan = await loadPlanFile(path.resolve(planFile));
  const activities = createActivities({
    plansDir: path.join(PROJECT_ROOT, 'plans'),
    workdir: PROJECT_ROOT,
  }) as unknown as StepActivities;
  const runbook = compileRunbook(plan, 'drill');
  const drillId = `times-${Date.now()}`;
  const perAction = new Map<string, number[]>();
  for (const phase of runbook.phases.filter((p) =>
    ['preparation', 'failover', 'failover-check', 'failback', 'failback-check'].includes(p.id),
  )) {
    console.log(`== ${phase.id}`);
    for (const step of phase.steps) {
      if (step.action === 'manualTask') continue;
      const started = Date.now();
      const input = { drillId, target: plan.target, step } as unknown as StepInput<ActivityStepAction>;
      const outcome = await (
        activities[step.action as ActivityStepAction] as (i: typeof input) => Promise<{ summary: string }>
      )(input);
      const ms = Date.now() - started;
      const key = `${step.action}${step.component ? ` (${step.component})` : ''}`;
      perAction.set(key, [...(perAction.get(key) ?? []), ms]);
      console.log(`${String(ms).padStart(6)} ms  ${step.id}: ${outcome.summary.slice(0, 140)}`);
    }
  }
  console.log('\n== each action alone (ms per run)');
  for (const [action, runs] of [...perAction.entries()].sort((a, b) => Math.max(...b[1]) - Math.max(...a[1])))
    console.log(`${action.padEnd(48)} ${runs.join(', ')}`);
}

main().then(() => exitWhenFlushed(0), exitOnFailure('action-times'));
