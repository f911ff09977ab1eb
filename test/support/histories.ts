/**
 * Recorded histories guard running drills: a change to workflow code that would not replay them
 * fails the replay test. Record anew with `RECORD_HISTORIES=1 npx jest <test> --forceExit` (and say
 * in the commit why the old ones may go).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'histories');

export async function recordHistoryIfAsked(client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}
