/** Saving a report: every format under <reportsDir>/<drillId>/<startedAt>.{md,json,html,svg}. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from './config';
import { renderReport, reportBaseName, type RenderedReport } from '../render/report/index';
import type { AuditEntry, DrillRecord } from '../domain';

export interface SavedReport {
  dir: string;
  files: string[];
  rendered: RenderedReport;
}

/** Written to a temporary name and renamed, so a reader never sees half a report and a rerun is harmless. */
export async function saveReport(
  record: DrillRecord,
  reportsDir: string,
  now?: number,
  audit?: AuditEntry[],
): Promise<SavedReport> {
  const dir = path.join(reportsDir, record.drillId);
  await mkdir(dir, { recursive: true });
  const base = reportBaseName(record);
  const rendered = renderReport(record, { now, timelineHref: `${base}.svg`, audit });
  const files: string[] = [];
  for (const format of ['md', 'json', 'html', 'svg'] as const) {
    const file = path.join(dir, `${base}.${format}`);
    await writeFile(`${file}.tmp`, rendered[format]);
    await rename(`${file}.tmp`, file);
    files.push(file);
  }
  return { dir, files, rendered };
}

/** `DRILLBOOK_REPORTS_DIR`, else reports/ in the project folder. */
export const defaultReportsDir = (env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(env.DRILLBOOK_REPORTS_DIR ?? path.join(PROJECT_ROOT, 'reports'));
