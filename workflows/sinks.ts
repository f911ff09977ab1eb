/**
 * The record, handed out while a drill's history is replayed. `drillbook status` replays a drill's
 * history when no worker answers its query (the worker died), and shows the record as of the last
 * completed workflow task. A sink call issues no command, so it changes nothing a history replays.
 */
import { proxySinks, workflowInfo, type Sinks } from '@temporalio/workflow';
import type { DrillRecord } from '../domain';

export interface DrillSinks extends Sinks {
  drillbook: { recorded(record: DrillRecord): void };
}

const sinks = proxySinks<DrillSinks>();

export function shareRecordDuringReplay(record: DrillRecord): void {
  // Live workers register this sink as a no-op that is not called during replay.
  if (workflowInfo().unsafe.isReplaying) sinks.drillbook.recorded(record);
}
