/**
 * All activities, built over injected dependencies so tests can hand in real clients pointed at
 * local servers. Step activities are wrapped to report their attempt and the time spent inside.
 */
import type { WebClient } from '@slack/web-api';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { defaultReportsDir } from '../store/reportFiles';
import { createKindActivities, type KindActivityDeps } from '../kinds/activities';
import { createCommandActivities } from '../kinds/kit/activities/command';
import { createHttpActivities } from './http';
import { createNotifyActivities, type Notifier } from './notify';
import { createPlanActivities, type Compiler } from './plan';
import { createReadinessActivities } from './readiness';
import { createReportActivities } from './report';
import { createAuditActivities } from './audit';
import { defaultAuditDir } from '../store/auditTrail';
import { createSlackNotifier } from './slack';
import { createSsmActivities } from './ssm';
import { lazyAwsClients } from '../kinds/kit/aws';
import { createTipActivities } from './tip';
import { createTipProtectionActivities } from './tip/protection';
import { createTipRecoveryActivities } from './tip/recovery';
import type {
  Observation,
  StepDriver,
  StepDrivers,
  StepFailureDetails,
  StepInput,
  StepOutcome,
} from '../kinds/kit/activities/types';
import { passWithin } from '../kinds/kit/activities/within';
import type { ActivityStepAction, DrillActivities, StepActivities, WaitingCheck } from '../domain';

export interface ActivityDeps extends KindActivityDeps {
  /** Where `drillbook` finds plans by target. */
  plansDir: string;
  /** Compiles a plan into what a drill runs; another build's recipes in the test of the upgrade promise. */
  compile?: Compiler;
  notifiers?: Notifier[];
  /** Where reports are saved; DRILLBOOK_REPORTS_DIR or <project>/reports by default. */
  reportsDir?: string;
  /** Where refusals are kept per target (DRILLBOOK_AUDIT_DIR or <data dir>/audit); the report shows a drill's. */
  auditDir?: string;
  /** Slack Web API client (bot token); when set, drills whose plan names a Slack channel post there. */
  slack?: WebClient;
}

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** A component check given `within` (WaitingCheck) is asked again until it passes, for at most that long. */
function waited<A extends ActivityStepAction>(driver: StepDriver<A>, input: StepInput<A>): Promise<Observation> {
  const { within } = input.step.args as WaitingCheck;
  return passWithin(typeof within === 'number' ? within : undefined, input.step.title, () => driver(input));
}

export function asStepActivity<A extends ActivityStepAction>(
  driver: StepDriver<A>,
): (input: StepInput<A>) => Promise<StepOutcome> {
  return async (input) => {
    const startedAt = new Date().toISOString();
    const attempt = currentAttempt();
    try {
      const observed = await waited(driver, input);
      return { ...observed, attempt, startedAt, endedAt: new Date().toISOString() };
    } catch (error) {
      const failure = error instanceof ApplicationFailure ? error : undefined;
      const details: StepFailureDetails = { attempt, facts: failure?.details?.[0] };
      throw ApplicationFailure.create({
        message: (error as Error).message,
        type: failure?.type ?? (error as Error).name,
        nonRetryable: failure?.nonRetryable ?? false,
        details: [details],
      });
    }
  };
}

export function createActivities(deps: ActivityDeps): DrillActivities {
  const drivers: StepDrivers<ActivityStepAction> = {
    ...createCommandActivities(deps),
    ...createHttpActivities(),
    ...createSsmActivities({ aws: lazyAwsClients(deps.aws) }),
    ...createKindActivities(deps),
    ...createTipActivities(deps),
    ...createTipRecoveryActivities(deps),
    ...createTipProtectionActivities(deps),
  };
  // Each driver keeps its own action's input type; the map from name to wrapped driver is the same map.
  const steps = Object.fromEntries(
    Object.entries(drivers).map(([name, driver]) => [name, asStepActivity(driver as StepDriver)]),
  ) as StepActivities;
  return {
    ...steps,
    ...createPlanActivities(deps),
    ...createReadinessActivities(),
    ...createNotifyActivities({
      notifiers: [...(deps.notifiers ?? []), ...(deps.slack ? [createSlackNotifier(deps.slack)] : [])],
    }),
    ...createReportActivities({
      reportsDir: deps.reportsDir ?? defaultReportsDir(),
      auditDir: deps.auditDir ?? defaultAuditDir(),
    }),
    ...createAuditActivities({ auditDir: deps.auditDir ?? defaultAuditDir() }),
  };
}
