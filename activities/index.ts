/**
 * All activities, built over injected dependencies so tests can hand in real clients pointed at
 * local servers. Step activities are wrapped to report their attempt and the time spent inside.
 */
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { WebClient } from '@slack/web-api';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { defaultReportsDir } from '../src/report/files';
import type { DrillActivities, StepActivities } from '../workflows/contract';
import type { ActivityStepAction } from '../workflows/model';
import { createCommandActivities } from './command';
import { createDatastoreActivities } from './datastores';
import { createHttpActivities } from './http';
import { createNotifyActivities, type Notifier } from './notify';
import { createPlanActivities } from './plan';
import { createReportActivities } from './report';
import { createRoute53Activities } from './route53';
import { createSlackNotifier } from './slack';
import type { StepDriver, StepFailureDetails, StepInput, StepOutcome } from './types';

export interface ActivityDeps {
  /** Where `drillbook` finds plans by target. */
  plansDir: string;
  /** Working directory of command steps with relative paths. */
  workdir: string;
  notifiers?: Notifier[];
  /** Route 53 client; by default one from the standard AWS chain, made at first use. */
  route53?: Route53Client;
  /** Where reports are saved; DRILLBOOK_REPORTS_DIR or <project>/reports by default. */
  reportsDir?: string;
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

export function asStepActivity(driver: StepDriver): (input: StepInput) => Promise<StepOutcome> {
  return async (input) => {
    const startedAt = new Date().toISOString();
    const attempt = currentAttempt();
    try {
      const observed = await driver(input);
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
  const drivers: Record<ActivityStepAction, StepDriver> = {
    ...createCommandActivities(deps),
    ...createHttpActivities(),
    ...createDatastoreActivities(deps),
    ...createRoute53Activities(deps),
  };
  const steps = Object.fromEntries(Object.entries(drivers).map(([name, driver]) => [name, asStepActivity(driver)])) as StepActivities;
  return {
    ...steps,
    ...createPlanActivities(deps),
    ...createNotifyActivities({ notifiers: [...(deps.notifiers ?? []), ...(deps.slack ? [createSlackNotifier(deps.slack)] : [])] }),
    ...createReportActivities({ reportsDir: deps.reportsDir ?? defaultReportsDir() }),
  };
}
