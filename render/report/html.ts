/** The report as one self-contained HTML page, the timeline inline: open it anywhere, print it to PDF. */
import type { Block } from './document';
import { escapeXml as esc } from './svg';

const STYLE = `body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1150px;color:#263238;padding:0 1em}
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}th,td{border:1px solid #cfd8dc;padding:4px 6px;text-align:left;vertical-align:top;font-size:13px}
th{background:#eceff1}table.fields th{width:18em}pre{background:#f5f7f8;padding:8px;overflow-x:auto;font-size:12px}
h1{font-size:1.6em}h2{border-bottom:1px solid #cfd8dc;padding-bottom:.2em;margin-top:1.6em}.timeline{overflow-x:auto}
@media print{.timeline svg{max-width:100%;height:auto}}`;

export function renderHtml(blocks: Block[], title: string, svg: string): string {
  const out: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'heading':
        out.push(`<h${block.level}>${esc(block.text)}</h${block.level}>`);
        break;
      case 'paragraph':
        out.push(`<p>${esc(block.text)}</p>`);
        break;
      case 'fields':
        out.push(
          `<table class="fields">${block.rows.map(([label, value]) => `<tr><th>${esc(label)}</th><td>${esc(value)}</td></tr>`).join('')}</table>`,
        );
        break;
      case 'table':
        out.push(
          `<table><thead><tr>${block.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${block.rows
            .map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
            .join('')}</tbody></table>`,
        );
        break;
      case 'timeline':
        out.push(`<div class="timeline">${svg}</div>`);
        break;
      case 'facts':
        out.push(
          ...block.items.map(
            (item) => `<details><summary>${esc(item.title)}</summary><pre>${esc(item.text)}</pre></details>`,
          ),
        );
        break;
    }
  }
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>\n<body>\n${out.join('\n')}\n</body></html>\n`;
}
