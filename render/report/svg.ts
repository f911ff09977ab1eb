/**
 * The timeline picture: an SVG Gantt of phases and steps on one linear time axis, with the time the
 * drill waited for people hatched in amber apart from machine time. Self-contained (no fonts, no
 * scripts) so it embeds in HTML, renders on GitHub and survives in an audit folder.
 */
import { formatDuration } from '../../kinds/kit/schema/duration';
import { truncate } from './format';
import type { BarKind, Timeline } from './timeline';

const WIDTH = 1100;
const LABEL_W = 390;
const CHART_X = LABEL_W + 10;
const CHART_W = WIDTH - CHART_X - 20;
const ROW_H = 20;
const TOP = 64;
const LABEL_CHARS = 58;
/** Sub-second steps beside hour-long waits still show as a sliver. */
const MIN_BAR_W = 2;

const FILL: Record<BarKind, string> = {
  phase: '#cfd8dc',
  succeeded: '#2e7d32',
  failed: '#c62828',
  skipped: '#9e9e9e',
  'best-effort-failed': '#ef6c00',
  running: '#1565c0',
  pending: '#e0e0e0',
  people: 'url(#people)',
  'people-open': 'url(#people-open)',
  protection: '#6a1b9a',
  outage: '#b71c1c',
  'client-downtime': '#ad1457',
};

const LEGEND: { kind: BarKind; text: string }[] = [
  { kind: 'succeeded', text: 'step succeeded' },
  { kind: 'failed', text: 'step failed' },
  { kind: 'best-effort-failed', text: 'failed, passed over' },
  { kind: 'skipped', text: 'skipped' },
  { kind: 'people', text: 'waiting for people' },
  { kind: 'phase', text: 'phase' },
  { kind: 'outage', text: 'site lost, until the new site served' },
];

export const escapeXml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const TICK_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400].map(
  (s) => s * 1000,
);

/** A tick spacing giving at most ten ticks across the drill. */
export function tickStep(totalMs: number): number {
  return TICK_STEPS_MS.find((step) => totalMs / step <= 10) ?? Math.ceil(totalMs / 10 / 86_400_000) * 86_400_000;
}

export function renderTimelineSvg(timeline: Timeline, heading: string): string {
  const span = Math.max(timeline.end - timeline.start, 1);
  const x = (t: number): number => CHART_X + ((t - timeline.start) / span) * CHART_W;
  const chartBottom = TOP + timeline.rows.length * ROW_H;
  const height = chartBottom + 70;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">`,
    '<defs>',
    '<pattern id="people" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffe082"/><line x1="0" y1="0" x2="0" y2="6" stroke="#f9a825" stroke-width="3"/></pattern>',
    '<pattern id="people-open" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff8e1"/><line x1="0" y1="0" x2="0" y2="6" stroke="#ffca28" stroke-width="2"/></pattern>',
    '</defs>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(heading)}</text>`,
  );

  const step = tickStep(span);
  for (let t = 0, i = 0; t <= span && i <= 40; t += step, i++) {
    const tx = x(timeline.start + t);
    out.push(
      `<line x1="${tx.toFixed(1)}" y1="${TOP - 8}" x2="${tx.toFixed(1)}" y2="${chartBottom}" stroke="#eceff1"/>`,
    );
    out.push(
      `<text x="${tx.toFixed(1)}" y="${TOP - 12}" text-anchor="middle" fill="#546e7a">+${t === 0 ? '0s' : formatDuration(t)}</text>`,
    );
  }

  timeline.rows.forEach((row, index) => {
    const y = TOP + index * ROW_H;
    if (row.level === 0) out.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${ROW_H}" fill="#f5f7f8"/>`);
    const indent = row.level === 0 ? 10 : 24;
    const weight = row.level === 0 ? ' font-weight="bold"' : '';
    out.push(
      `<text x="${indent}" y="${y + 14}"${weight}><title>${escapeXml(row.label)}</title>${escapeXml(truncate(row.label, LABEL_CHARS - (row.level ? 2 : 0)))}</text>`,
    );
    for (const bar of row.bars) {
      const bx = x(bar.from);
      const bw = Math.max(x(bar.to) - bx, MIN_BAR_W);
      const inset = bar.kind === 'phase' ? 3 : 4;
      const stroke =
        bar.kind === 'phase' ? ' stroke="#90a4ae"' : bar.kind.startsWith('people') ? ' stroke="#f9a825"' : '';
      out.push(
        `<rect x="${bx.toFixed(1)}" y="${y + inset}" width="${bw.toFixed(1)}" height="${ROW_H - inset * 2}" rx="2" fill="${FILL[bar.kind]}"${stroke}><title>${escapeXml(`${bar.title} (${formatDuration(bar.to - bar.from)})`)}</title></rect>`,
      );
    }
  });

  const { totals } = timeline;
  const share = (part: number) => (totals.totalMs > 0 ? ` (${Math.round((part / totals.totalMs) * 100)}%)` : '');
  const legendY = chartBottom + 22;
  let lx = 10;
  for (const item of LEGEND) {
    out.push(
      `<rect x="${lx}" y="${legendY - 10}" width="14" height="12" rx="2" fill="${FILL[item.kind]}"${item.kind === 'people' ? ' stroke="#f9a825"' : ''}/>`,
    );
    out.push(`<text x="${lx + 19}" y="${legendY}">${escapeXml(item.text)}</text>`);
    lx += 30 + item.text.length * 6.2;
  }
  const summary = `Total ${formatDuration(totals.totalMs)}: machine ${formatDuration(totals.machineMs)}${share(totals.machineMs)}, waiting for people ${formatDuration(totals.peopleMs)}${share(totals.peopleMs)}, other ${formatDuration(totals.otherMs)}${share(totals.otherMs)}`;
  out.push(`<text x="10" y="${legendY + 24}" fill="#37474f">${escapeXml(summary)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
