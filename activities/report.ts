/** The report activity: the drill's evidence report saved under the reports folder at the end of every drill. */
import { log } from '@temporalio/activity';
import { auditOfDrill } from '../store/auditForReport';
import { saveReport } from '../store/reportFiles';
import type { DrillRecord } from '../domain';

export function createReportActivities(deps: { reportsDir: string; auditDir: string }) {
  return {
    async writeReport(record: DrillRecord): Promise<{ files: string[] }> {
      const { files } = await saveReport(record, deps.reportsDir, undefined, await auditOfDrill(deps.auditDir, record));
      log.info(`report of ${record.drillId} written`, { files });
      return { files };
    },
  };
}
