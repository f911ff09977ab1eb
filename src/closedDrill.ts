/**
 * A drill that ended without a result (failed at its start: a wrong workflow ID, bad input, a plan
 * it could not load) reads as refused, with the reason its history closes with, also for drills
 * from before the record said so itself (their record stays "loading").
 */
import type { Client } from '@temporalio/client';
import type { DrillRecord } from '../domain';

export interface ClosingFailure {
  type?: string;
  message: string;
}

/** The failure a closed workflow's history ends with, if it ended failed. */
export async function closingFailure(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<ClosingFailure | undefined> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const failure = history.events?.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
  if (!failure) return undefined;
  return { type: failure.applicationFailureInfo?.type ?? undefined, message: failure.message ?? 'failed' };
}

/** A record left at "loading" by a drill that has ended: refused, with the reason. Any other record as it is. */
export async function settleRecord(client: Client, workflowId: string, record: DrillRecord): Promise<DrillRecord> {
  if (record.status !== 'loading') return record;
  const description = await client.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => undefined);
  if (!description || description.status.name === 'RUNNING') return record;
  const failure = await closingFailure(client, workflowId).catch(() => undefined);
  const reason =
    failure?.message ?? `the workflow ended ${description.status.name.toLowerCase()} before it loaded its plan`;
  return {
    ...record,
    status: 'refused',
    outcome: record.outcome ?? `Refused, nothing ran: ${reason}`,
    endedAt: record.endedAt ?? description.closeTime?.toISOString(),
  };
}
