/** Writing the evidence report at the end of a drill. A report that cannot be written never changes the drill's outcome. */
import { isCancellation, log, patched, proxyActivities } from '@temporalio/workflow';
import type { DrillActivities, DrillRecord } from '../domain';

const { writeReport } = proxyActivities<DrillActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
});

export async function reportDrill(record: DrillRecord): Promise<void> {
  // Drills recorded before reports existed replay without this activity.
  if (!patched('drill-report')) return;
  try {
    const { files } = await writeReport(record);
    log.info('report written', { files });
  } catch (error) {
    if (isCancellation(error)) throw error;
    log.warn("the drill's report could not be written; its outcome stands (run `drillbook report` to render it)", {
      error: (error as Error).message,
    });
  }
}
