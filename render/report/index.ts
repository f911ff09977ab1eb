/**
 * The drill's evidence report, rendered from its record alone (pure), so the worker writes it at the
 * end of a drill and `drillbook report` renders it on demand for a running one, identically.
 */
import { buildDocument } from './document';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import { renderTimelineSvg } from './svg';
import { buildTimeline, type Timeline } from './timeline';
import type { AuditEntry, DrillRecord } from '../../domain';

export const REPORT_FORMATS = ['md', 'json', 'html', 'svg'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderedReport {
  md: string;
  json: string;
  html: string;
  svg: string;
}

export interface ReportOptions {
  /** "Now" for a running drill's open spans; the time the report is generated. */
  now?: number;
  /** How the Markdown links to the timeline picture; the SVG saved beside it by default. */
  timelineHref?: string;
  /** Refusals from the target's audit trail over the drill's span, shown under "Refused". */
  audit?: AuditEntry[];
}

const heading = (record: DrillRecord): string =>
  `${record.mode} of ${record.target}, ${record.startedAt.slice(0, 10)}: ${record.status}`;

/** The JSON report: the whole record plus what the report computed from it. */
function renderJson(record: DrillRecord, timeline: Timeline, generatedAt: string, audit: AuditEntry[]): string {
  return `${JSON.stringify({ reportVersion: 1, generatedAt, time: timeline.totals, record, audit }, null, 2)}\n`;
}

export function renderReport(record: DrillRecord, options: ReportOptions = {}): RenderedReport {
  const now = options.now ?? Date.now();
  const generatedAt = new Date(now).toISOString();
  const timeline = buildTimeline(record, now);
  const blocks = buildDocument(record, timeline, generatedAt, options.audit);
  const svg = renderTimelineSvg(timeline, heading(record));
  return {
    md: renderMarkdown(blocks, options.timelineHref ?? `${reportBaseName(record)}.svg`),
    json: renderJson(record, timeline, generatedAt, options.audit ?? []),
    html: renderHtml(blocks, `DR ${record.mode} report: ${record.target}`, svg),
    svg,
  };
}

/** Files of one drill run share this name: its start time, safe in any file system. */
export const reportBaseName = (record: DrillRecord): string => record.startedAt.replace(/[:.]/g, '-');
