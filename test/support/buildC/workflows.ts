/**
 * Build C's workflows, for the adoption test: today's drill behind a one-millisecond timer, as an
 * interpreter changed without `patched()` would be. A drill it started does not replay on today's
 * code (its history opens with a timer where today's drill schedules its plan activity).
 */
import { sleep } from '@temporalio/workflow';
import { drillWorkflow as todaysDrill } from '../../../workflows/drill';
import type { DrillInput, DrillRecord } from '../../../domain';

export async function drillWorkflow(input: DrillInput): Promise<DrillRecord> {
  await sleep(1);
  return todaysDrill(input);
}
