/**
 * precheckWorkflow: is a target ready to be drilled (or failed over) right now? It runs every check
 * of the plan that changes nothing, on both sites, all at once, and answers ready or the drifts,
 * each a sentence with its path in the plan. It never blocks a drill: its ID is precheck-<target>.
 * On a schedule, it tells people only when the drifts change (new ones, or all cleared), using the
 * previous run's result that the schedule hands it.
 */
import {
  ApplicationFailure,
  isCancellation,
  log,
  patched,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { readinessChecked } from './metrics';
import { DrillReadiness, DrillTarget } from './searchAttributes';
import { describeFailure, runsLocally, scheduleStepActivity } from './steps';
import {
  precheckWorkflowId,
  TARGET_PATTERN,
  type DrillActivities,
  type Drift,
  type PrecheckInput,
  type PrecheckResult,
  type Step,
} from '../domain';

const { loadPlan } = proxyActivities<DrillActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});
const { previousPrecheck } = proxyActivities<DrillActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});
const { notify } = proxyActivities<DrillActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

export async function precheckWorkflow(input: PrecheckInput): Promise<PrecheckResult> {
  if (typeof input?.target !== 'string' || !TARGET_PATTERN.test(input.target)) {
    throw ApplicationFailure.nonRetryable(
      'invalid precheck input: target: expected a plan target such as "example-lab"',
      'InvalidInput',
    );
  }
  // Fixed at start: prechecks started before it run every check as an activity, as they did then.
  const localChecks = patched('local-precheck-checks');
  upsertSearchAttributes([{ key: DrillTarget, value: input.target }]);
  const loaded = await loadPlan({ target: input.target, planYaml: input.planYaml, purpose: 'precheck' });
  const steps = loaded.compiled?.precheck ?? [];
  const drifts = (await Promise.all(steps.map((step) => check(input.target, step, localChecks)))).filter(
    (d): d is Drift => d !== undefined,
  );
  const result: PrecheckResult = {
    target: input.target,
    ready: drifts.length === 0,
    checkedAt: new Date().toISOString(),
    checks: steps.length,
    drifts,
  };

  // A schedule may hand over its previous run's result; otherwise visibility has it.
  const previous =
    (workflowInfo().lastResult as PrecheckResult | undefined) ??
    (await previousPrecheck({ target: input.target, exceptRunId: workflowInfo().runId }).catch(() => undefined));
  result.changed = previous === undefined ? !result.ready : sentences(previous) !== sentences(result);
  upsertSearchAttributes([{ key: DrillReadiness, value: result.ready ? 'ready' : 'not-ready' }]);
  readinessChecked(result);
  if (result.changed) {
    try {
      await notify({
        type: 'readiness-changed',
        result,
        previous,
        slackChannel: loaded.plan.notifications?.slack?.channel,
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('could not tell people the readiness changed', { error: (error as Error).message });
    }
  }
  return result;
}

const sentences = (result: PrecheckResult): string =>
  result.drifts
    .map((d) => `${d.path}|${d.sentence}`)
    .sort()
    .join('\n');

/**
 * One read-only check; its failure after its (few) attempts is a drift, never an operator gate. Every
 * precheck changes nothing, so a short HTTP or command check runs as a local activity (`localChecks`).
 */
async function check(target: string, step: Step, localChecks: boolean): Promise<Drift | undefined> {
  if (step.action === 'manualTask') return undefined;
  const { id, title, site } = step;
  try {
    await scheduleStepActivity(
      step,
      { drillId: precheckWorkflowId(target), target },
      localChecks && runsLocally({ ...step, readOnly: true }),
    );
    return undefined;
  } catch (error) {
    if (isCancellation(error)) throw error;
    const where = site ? ` (${site})` : '';
    return {
      path: step.planPath ?? id,
      stepId: id,
      site,
      sentence: `${step.planPath ?? id}${where}: ${title}: ${describeFailure(error).message}`,
    };
  }
}
