/** `drillbook report ID`: the evidence report of a drill, finished or still running. */
import { writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { auditOfDrill } from '../../store/auditForReport';
import { defaultAuditDir } from '../../store/auditTrail';
import { drillStatus, resolveWorkflowId } from '../drills';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../render/report';
import { defaultReportsDir, saveReport } from '../../store/reportFiles';
import { connectClient } from '../temporal/connect';
import { UsageError } from './errors';
import type { DrillRecord } from '../../domain';

/**
 * A closed drill's result needs no worker; a running one answers the status query. A drill that
 * failed or was terminated has no result, so it is asked by query too (a worker must be up).
 */
export async function fetchRecord(client: Client, id: string): Promise<DrillRecord> {
  const workflowId = await resolveWorkflowId(client, id);
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe().catch(() => undefined);
  if (description && description.status.name === 'COMPLETED') return (await handle.result()) as DrillRecord;
  return drillStatus(client, workflowId);
}

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description(
      'render the evidence report of a drill (a running one too): Markdown, JSON, HTML with the timeline, or the timeline SVG',
    )
    .argument('<id>', 'workflow ID (drill-<target>) or target')
    .option('--format <format>', REPORT_FORMATS.join(' | '), 'md')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--save', `save every format under the reports folder (${defaultReportsDir()}) and print the paths`)
    .action(async (id: string, options: { format: string; out?: string; save?: boolean }) => {
      if (!REPORT_FORMATS.includes(options.format as ReportFormat))
        throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got "${options.format}"`);
      const client = await connectClient();
      try {
        const record = await fetchRecord(client, id);
        const audit = await auditOfDrill(defaultAuditDir(), record);
        if (options.save) {
          const saved = await saveReport(record, defaultReportsDir(), undefined, audit);
          console.log(saved.files.join('\n'));
          return;
        }
        const text = renderReport(record, { audit })[options.format as ReportFormat];
        if (options.out) await writeFile(options.out, text);
        else process.stdout.write(text);
      } finally {
        await client.connection.close();
      }
    });
}
