/**
 * An Amazon MQ broker's reboot (FIELD-NOTES 9.5: reboot and failover only through the Amazon MQ
 * API): RebootBroker, then DescribeBroker until BrokerState has left RUNNING and is RUNNING again,
 * within the plan's rebootTimeout. Waiting for RUNNING alone would pass at once, before the reboot
 * began (FIELD-NOTES 12: waiters poll immediately), so a reboot whose state change is never seen
 * fails, not retried (MqRebootNotObserved): the drill does not claim a reboot it did not observe, and
 * rebooting again blindly could hit a broker that just came back. moto accepts RebootBroker and
 * changes nothing, so against moto this is the outcome (test/rabbitmq-tls.test.ts).
 */
import { DescribeBrokerCommand, RebootBrokerCommand, type DescribeBrokerResponse } from '@aws-sdk/client-mq';
import { failNonRetryable, failRetryable } from '../kit/activities/failures';
import { pollFor } from '../kit/activities/polling';
import type { Observation, StepInput } from '../kit/activities/types';
import type { AwsClients } from '../kit/aws';
import { aws } from '../kit/aws/errors';

const DEFAULT_TIMEOUT_MS = 1_800_000;
/** States from which the broker does not come back by itself: waiting longer would not help. */
const STUCK = new Set(['CRITICAL_ACTION_REQUIRED', 'CREATION_FAILED', 'DELETION_IN_PROGRESS']);

interface Seen {
  state: string;
  at: string;
  /** Since the step began. */
  afterMs: number;
}

const instancesOf = (broker: DescribeBrokerResponse) =>
  (broker.BrokerInstances ?? []).map((i) => ({ ip: i.IpAddress, console: i.ConsoleURL }));

const describeStates = (seen: Seen[]) =>
  seen.map((s) => `${s.state} at ${(s.afterMs / 1000).toFixed(1)}s`).join(' -> ') || 'none';

export async function rabbitmqRebootBroker(
  input: StepInput<'rabbitmqRebootBroker'>,
  clients: AwsClients,
): Promise<Observation> {
  const args = input.step.args;
  const site = input.step.site ?? args.from;
  const at = args.siteNames[site];
  const broker = args.sites[site].broker;
  if (!broker)
    failNonRetryable(
      `components.${args.component}.${site}.broker: a broker reboot needs the Amazon MQ broker, as broker: { id, region }`,
      'PlanInvalid',
    );
  const timeoutMs = args.rebootTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const everyMs = Math.min(5000, Math.max(250, timeoutMs / 10));
  const where = `Amazon MQ broker ${broker.id} in ${broker.region} (${args.component} on ${at})`;
  const hint = `check components.${args.component}.${site}.broker and that the worker may call mq:DescribeBroker and mq:RebootBroker`;
  const mq = clients.mq(broker.region);
  const started = Date.now();
  const seen: Seen[] = [];
  const describe = async (): Promise<DescribeBrokerResponse> => {
    const answer = await aws(where, () => mq.send(new DescribeBrokerCommand({ BrokerId: broker.id })), hint);
    const state = answer.BrokerState ?? 'unknown';
    if (seen.at(-1)?.state !== state) seen.push({ state, at: new Date().toISOString(), afterMs: Date.now() - started });
    return answer;
  };

  const before = await describe();
  if (before.EngineType && before.EngineType.toUpperCase() !== 'RABBITMQ')
    failNonRetryable(`${where} is an ${before.EngineType} broker, not RabbitMQ: ${hint}`, 'PlanInvalid');
  const facts = () => ({
    site,
    broker: broker.id,
    region: broker.region,
    deploymentMode: before.DeploymentMode,
    states: seen,
    before: instancesOf(before),
    rebootRequestedAt: requestedAt,
  });
  let requestedAt: string | undefined;
  // A reboot of an earlier attempt (or of someone else) already under way: wait for it, do not reboot again.
  const underWay = before.BrokerState === 'REBOOT_IN_PROGRESS';
  if (!underWay && before.BrokerState !== 'RUNNING')
    failRetryable(
      `${where} is ${before.BrokerState ?? 'in no state'}, not RUNNING: a broker that does not serve is not rebooted as a drill`,
      'MqBrokerNotRunning',
      facts(),
    );
  if (!underWay) {
    await aws(where, () => mq.send(new RebootBrokerCommand({ BrokerId: broker.id })), hint);
    requestedAt = new Date().toISOString();
  }

  const left = await pollFor(
    `${where} to leave RUNNING`,
    timeoutMs,
    describe,
    (b) => b.BrokerState !== 'RUNNING',
    everyMs,
  );
  if (!left.reached)
    failNonRetryable(
      `${where}: RebootBroker was accepted but BrokerState stayed RUNNING for ${Math.round(left.waitedMs / 1000)}s (states seen: ${describeStates(seen)}): the reboot was not observed, so the drill does not claim it. Look at the broker's events and console; retrying would request another reboot`,
      'MqRebootNotObserved',
      facts(),
    );
  const back = await pollFor(
    `${where} to be RUNNING again`,
    Math.max(timeoutMs - (Date.now() - started), everyMs),
    describe,
    (b) => b.BrokerState === 'RUNNING' || STUCK.has(String(b.BrokerState)),
    everyMs,
  );
  const after = back.last;
  if (after.BrokerState !== 'RUNNING')
    failRetryable(
      `${where} did not come back RUNNING within ${Math.round(timeoutMs / 1000)}s of the reboot (states seen: ${describeStates(seen)})`,
      'MqRebootIncomplete',
      { ...facts(), after: instancesOf(after) },
    );
  const tookMs = Date.now() - started;
  return {
    summary: `${where}: ${underWay ? 'a reboot already under way' : 'rebooted (RebootBroker)'}, back RUNNING after ${(tookMs / 1000).toFixed(1)}s; states seen: ${describeStates(seen)}`,
    facts: { ...facts(), after: instancesOf(after), tookMs },
  };
}
