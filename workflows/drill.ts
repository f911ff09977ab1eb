/**
 * drillWorkflow: one drill of one protected target, durable from the first check to the sign-off.
 * It reads like the runbook it runs: load the plan and the runbook compiled for it (both fixed in
 * history by the plan activity), and for each phase wait for approval where the phase changes
 * anything, then run its steps; end with a sign-off.
 *
 * This file, gates, steps and the recorder are the interpreter: a change to what they do goes
 * behind `patched()` so drills already running replay as they ran (README, "Changing the workflow").
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { recordAdoptions } from './adoption';
import { registerEvidence } from './evidence';
import { Gates } from './gates';
import { runCleanup } from './cleanup';
import { Recorder } from './recorder';
import { reportDrill } from './reporting';
import { compileDrill } from './runbook';
import { runPhaseSteps, type Interpreter } from './lanes';
import { describeFailure } from './steps';
import { promoted, whereServiceIs } from './outage';
import {
  DRILL_MODES,
  drillWorkflowId,
  headlineOf,
  TARGET_PATTERN,
  type CleanupStep,
  type DrillActivities,
  type DrillEvent,
  type DrillInput,
  type DrillRecord,
  type DrillStatus,
  type Plan,
  type RunbookPhase,
  type SiteLoss,
  siteLossProblems,
  unapprovableGates,
} from '../domain';

const { loadPlan } = proxyActivities<DrillActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '1 second' },
});

const { auditRefusal } = proxyActivities<DrillActivities>({
  startToCloseTimeout: '10 seconds',
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

/** Telling people must never hold a drill up: when Slack is down, the drill keeps going. */
async function tell(event: DrillEvent): Promise<Record<string, unknown> | undefined> {
  try {
    return await notify(event);
  } catch (error) {
    if (isCancellation(error)) throw error;
    log.warn('notification failed; the drill goes on', { event: event.type, error: (error as Error).message });
    return undefined;
  }
}

interface Ending {
  status: DrillStatus;
  outcome: string;
}

export async function drillWorkflow(input: DrillInput): Promise<DrillRecord> {
  const recorder = new Recorder(workflowInfo().workflowId, input);
  const gates = new Gates(recorder, tell);
  gates.register();
  recordAdoptions(recorder);
  // Drills from before it never take a client's evidence (issue 20).
  if (patched('client-evidence')) registerEvidence(recorder);
  // Refusals at the start are on the record (status "refused", the reason) and a wrong ID in the target's audit trail.
  const refusalsOnRecord = patched('refusals-on-record');
  // An outage's own figures and words (issue 20): the loss, RTO from it, RPO from what the new side holds, endings that say where service is.
  const outage = patched('outage-figures');
  checkInput(input, refusalsOnRecord ? recorder : undefined, outage);
  await checkWorkflowId(input, refusalsOnRecord ? recorder : undefined);
  // Fixed at start, so a drill replays with the behaviour it started with.
  const features: Interpreter['features'] = {
    pause: patched('pause-and-stop-conditions'),
    blocks: patched('parallel-blocks'),
    localChecks: patched('local-read-only-checks'),
  };
  gates.concurrentLanes = features.blocks;
  // What the drill undoes on any ending (the test indicator it planted): known once the runbook is.
  let cleanup: CleanupStep[] = [];

  try {
    const loaded = await loadPlan({ target: input.target, planYaml: input.planYaml, mode: recorder.record.mode }).catch(
      (error: unknown) => {
        // Nothing has run: the drill fails at once, its outcome saying why (the UI shows the message).
        if (!isCancellation(error)) recorder.planRefused(describeFailure(error).message, refusalsOnRecord);
        throw error;
      },
    );
    const { plan } = loaded;
    // Drills that started before the plan activity compiled the runbook compile it here, as they did then.
    const { runbook, wayBack } =
      loaded.compiled ?? compileDrill(plan, recorder.record.mode, { servingChecksFirst: false });
    recorder.planLoaded(plan, runbook);
    if (outage && recorder.record.mode === 'failover')
      recorder.outageBegan(input.siteLoss ?? (await precheckSawLoss(input)));
    cleanup = runbook.cleanup ?? [];
    gates.rules = {
      approvers: plan.approvals.approvers.map((a) => a.id),
      operators: plan.approvals.operators,
      fourEyes: plan.approvals.fourEyes,
      requestedBy: input.requestedBy,
      // Plans with rules per gate are newer than the marker: drills from before never ask for it.
      ...(plan.approvals.gates && patched('approvals-per-gate') ? { gates: plan.approvals } : {}),
    };
    // A gate nobody could approve, the starter being barred by four-eyes: refused before anything runs.
    if (patched('unapprovable-gates-refused')) refuseUnapprovable(plan, input, recorder);
    // Runbooks with scoped stop conditions are newer than the marker.
    features.scopedStops =
      (runbook.stopConditions ?? []).some((c) => c.phases !== undefined) && patched('stop-conditions-scoped');
    gates.timing = { reminderAfterMs: plan.approvals.reminderAfter, timeoutMs: plan.approvals.timeout };
    await tell({ type: 'drill-started', record: headlineOf(recorder.record) });

    const run: Interpreter = {
      recorder,
      gates,
      features,
      stopConditions: runbook.stopConditions ?? [],
      outage: outage && recorder.record.mode === 'failover',
    };
    const ending = (await runPhases(runbook.phases, run, plan, wayBack)) ?? (await signOff(recorder, gates));
    return await finish(recorder, outage ? withWhere(recorder, ending) : ending, cleanup);
  } catch (error) {
    if (isCancellation(error)) {
      const cancelled: Ending = {
        status: 'cancelled',
        outcome: 'The drill was cancelled from outside (Temporal UI or CLI).',
      };
      await CancellationScope.nonCancellable(() =>
        finish(recorder, outage ? withWhere(recorder, cancelled) : cancelled, cleanup),
      );
    }
    throw error;
  }
}

function checkInput(input: DrillInput, recorder?: Recorder, outage = false): void {
  const problems: string[] = [];
  if (outage && input?.siteLoss !== undefined) {
    if (input.mode !== 'failover')
      problems.push('siteLoss: a site loss is declared only for a failover (a real outage), not a planned drill');
    else problems.push(...siteLossProblems(input.siteLoss, Date.now()));
  }
  if (typeof input?.target !== 'string' || !TARGET_PATTERN.test(input.target))
    problems.push('target: expected a plan target such as "example-lab"');
  if (typeof input?.requestedBy !== 'string' || input.requestedBy.trim() === '')
    problems.push('requestedBy: say who starts the drill');
  if (input?.mode !== undefined && !DRILL_MODES.includes(input.mode))
    problems.push(`mode: expected one of ${DRILL_MODES.join(', ')}`);
  if (!problems.length) return;
  const message = `invalid drill input: ${problems.join('; ')}`;
  recorder?.startRefused(message);
  throw ApplicationFailure.nonRetryable(message, 'InvalidInput');
}

/** How long before a failover's start a readiness precheck that found the primary failing still dates its loss. */
const PRECHECK_DATES_LOSS_MS = 3_600_000;

/**
 * A failover started without `--lost-at`: the last readiness precheck, when it ran in the hour before
 * the start and found a check of the primary failing, saw the loss first.
 */
async function precheckSawLoss(input: DrillInput): Promise<SiteLoss | undefined> {
  const result = await previousPrecheck({ target: input.target, exceptRunId: '' }).catch((error: unknown) => {
    if (isCancellation(error)) throw error;
    return undefined;
  });
  const drift = result?.drifts.find((d) => d.site === 'primary');
  if (!result || !drift) return undefined;
  const at = Date.parse(result.checkedAt);
  const start = Date.now();
  if (!(at <= start && start - at <= PRECHECK_DATES_LOSS_MS)) return undefined;
  return { at, how: 'detected', by: `the readiness precheck at ${result.checkedAt}: ${drift.sentence}` };
}

/** An ending's sentence, with where service is as far as the drill knows. */
function withWhere(recorder: Recorder, ending: Ending): Ending {
  if (recorder.record.mode !== 'failover') return ending;
  const where = whereServiceIs(recorder.record, recorder.sawServe);
  return { ...ending, outcome: `${ending.outcome} As far as the drill knows, ${where}.` };
}

/** A drill whose gates its starter's four-eyes bar makes impossible to approve ends at its start, saying which and why. */
function refuseUnapprovable(plan: Plan, input: DrillInput, recorder: Recorder): void {
  const problems = unapprovableGates(plan.approvals, recorder.record.mode, input.requestedBy);
  if (!problems.length) return;
  const message = `nobody could approve this drill as ${input.requestedBy} starts it: ${problems.join('; ')}. Nothing ran; start it as someone else (an operator), or change approvals.`;
  recorder.startRefused(message);
  throw ApplicationFailure.nonRetryable(message, 'Unapprovable');
}

/**
 * One drill per target: the workflow ID is what makes a second drill of a target impossible, and what
 * the CLI and Slack use to find it. A drill started under any other ID (from the Temporal UI, say)
 * would run beside the real one, stopping the same services, so it ends before it runs anything.
 */
async function checkWorkflowId(input: DrillInput, recorder?: Recorder): Promise<void> {
  const { target } = input;
  const { workflowId } = workflowInfo();
  if (!patched('drill-id-is-its-target') || workflowId === drillWorkflowId(target)) return;
  const message = `a drill of ${target} must run under the workflow ID ${drillWorkflowId(target)}, not ${workflowId}: that ID is what keeps to one drill per target and lets the CLI and Slack find it. Nothing ran; start it again as ${drillWorkflowId(target)}.`;
  if (recorder) {
    recorder.startRefused(message);
    // Drillbook's own clients always start drill-<target>: a wrong ID came from the Temporal UI or another client.
    const entry = {
      at: new Date().toISOString(),
      target,
      kind: 'wrong-id-start',
      by: input.requestedBy,
      via: 'ui',
      reason: message,
      workflowId,
    } as const;
    // The refusal stands even when the trail cannot be written; the workflow's failure still says why.
    await auditRefusal(entry).catch((error: unknown) =>
      log.warn('the audit trail could not keep the refusal', { error: (error as Error).message }),
    );
  }
  throw ApplicationFailure.nonRetryable(message, 'WrongWorkflowId');
}

/** Runs the phases in order; returns how the drill ended early, or undefined when all ran. */
async function runPhases(
  phases: RunbookPhase[],
  run: Interpreter,
  plan: Plan,
  wayBack?: RunbookPhase[],
  preApproved = false,
): Promise<Ending | undefined> {
  const { recorder, gates } = run;
  for (const phase of phases) {
    if (phase.needsApproval && !preApproved) {
      recorder.phaseStarted(phase.id, 'awaiting-approval');
      const prompt = `Approve phase ${phase.id} of the ${recorder.record.mode} of ${recorder.record.target}: ${phase.title}`;
      const approval = await gates.approval(
        `approve-${phase.id}`,
        phase.id,
        prompt,
        phase.steps.map(({ id, title }) => ({ id, title })),
      );
      if (approval.result === 'timed-out')
        return {
          status: 'timed-out',
          outcome: `Nobody approved phase ${phase.id} within the plan's approval timeout; nothing in it ran.`,
        };
      if (approval.result === 'rejected') {
        return {
          status: 'rejected',
          outcome: `${approval.by} rejected phase ${phase.id}${approval.comment ? `: ${approval.comment}` : ''}; nothing in it ran.`,
        };
      }
    }
    recorder.phaseStarted(phase.id, 'running');
    await tell({ type: 'phase-started', record: headlineOf(recorder.record), phase: phase.id });
    const ran = await runPhaseSteps(phase, run);
    if (ran.result === 'timed-out')
      return {
        status: 'timed-out',
        outcome: `Nobody answered for step ${ran.stepId} within the plan's timeout; the drill stopped there.`,
      };
    if (ran.result === 'abort') return abort(ran.stepId, phase, run, plan, wayBack);
    recorder.phaseEnded(phase.id);
  }
  return undefined;
}

/**
 * An abort after the failover changed something leaves service on the secondary; offer the way
 * back to the primary, which needs its own approval.
 */
async function abort(
  stepId: string,
  phase: RunbookPhase,
  run: Interpreter,
  plan: Plan,
  wayBack: RunbookPhase[] | undefined,
): Promise<Ending> {
  const { recorder, gates } = run;
  const decidedBy = recorder.record.decisions.at(-1)?.by ?? 'an operator';
  const aborted = `${decidedBy} aborted the drill at step ${stepId}`;
  // In an outage, stopping what was already dead changed nothing: only a promotion on the new side did.
  const outage = run.outage === true;
  const switched = outage
    ? promoted(recorder.record)
    : recorder.record.steps.some((s) => s.phase === 'failover' && s.destructive && s.status === 'succeeded');
  const inFailover = phase.id === 'failover' || phase.id === 'failover-check';
  if (!switched || !inFailover || !wayBack) return { status: 'aborted', outcome: `${aborted}.` };

  recorder.addPhases(wayBack);
  const prompt = `The failover was aborted after it changed the sites. Approve to fail back to ${plan.sites.primary.name} (the failback and failback-check phases), or reject to leave service where it is.`;
  const approval = await gates.approval(
    'rollback',
    phase.id,
    prompt,
    wayBack.flatMap((p) => p.steps.map(({ id, title }) => ({ id, title }))),
  );
  if (approval.result !== 'approved')
    return {
      status: 'aborted',
      outcome: outage
        ? `${aborted}; the way back to the primary was not approved.`
        : `${aborted}; the way back to the primary was not approved, so service stays on ${plan.sites.secondary.name}.`,
    };
  const rollback = await runPhases(wayBack, run, plan, undefined, true);
  if (rollback)
    return {
      status: rollback.status === 'timed-out' ? 'timed-out' : 'aborted',
      outcome: `${aborted}; the way back stopped too: ${rollback.outcome}`,
    };
  return {
    status: 'aborted',
    outcome: `${aborted}; ${approval.by} approved the way back and service is on ${plan.sites.primary.name} again.`,
  };
}

async function signOff(recorder: Recorder, gates: Gates): Promise<Ending> {
  const { record } = recorder;
  const skipped = record.steps.filter((s) => s.status === 'skipped').length;
  const passedOver = record.steps.filter((s) => s.status === 'best-effort-failed').length;
  const done = record.steps.filter((s) => s.status === 'succeeded').length;
  const summary = `${done} steps succeeded, ${skipped} skipped, ${passedOver} passed over`;
  const approval = await gates.approval(
    'signoff',
    undefined,
    `Sign off the ${record.mode} of ${record.target}: ${summary}.`,
    [],
  );
  if (approval.result === 'timed-out')
    return { status: 'timed-out', outcome: `All phases ran (${summary}) but nobody signed off in time.` };
  if (approval.result === 'rejected')
    return {
      status: 'rejected',
      outcome: `All phases ran (${summary}) but ${approval.by} refused the sign-off${approval.comment ? `: ${approval.comment}` : ''}.`,
    };
  return {
    status: 'succeeded',
    outcome: `The ${record.mode} of ${record.target} succeeded: ${summary}; signed off by ${record.approvals
      .filter((a) => a.gate === 'signoff')
      .map((a) => a.by)
      .join(' and ')}.`,
  };
}

async function finish(recorder: Recorder, ending: Ending, cleanup: CleanupStep[] = []): Promise<DrillRecord> {
  // Runbooks with a cleanup are newer than the marker: drills from before it never ask for it.
  if (cleanup.length && patched('tip-protection-cleanup')) await runCleanup(cleanup, recorder);
  const record = recorder.finish(ending.status, ending.outcome);
  await reportDrill(record);
  await tell({ type: 'drill-ended', record });
  await condition(allHandlersFinished);
  return record;
}
