/** The report as Markdown: readable as plain text, rendered by GitHub, GitLab and Slack previews. */
import type { Block } from './document';

/** Backslash-escapes what Markdown would read as markup: `<` opens HTML, `|` splits a cell. */
const inline = (text: string): string => text.replace(/([\\<*`])/g, '\\$1');
const cell = (text: string): string => inline(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderMarkdown(blocks: Block[], timelineHref: string): string {
  const out: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'heading':
        out.push(`${'#'.repeat(block.level)} ${inline(block.text)}`);
        break;
      case 'paragraph':
        out.push(inline(block.text));
        break;
      case 'fields':
        out.push(
          '| | |',
          '|---|---|',
          ...block.rows.map(([label, value]) => `| **${cell(label)}** | ${cell(value)} |`),
        );
        break;
      case 'table':
        out.push(
          `| ${block.head.map(cell).join(' | ')} |`,
          `|${block.head.map(() => '---').join('|')}|`,
          ...block.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
        );
        break;
      case 'timeline':
        out.push(
          `![Timeline of the drill: phases and steps, with the time spent waiting for people hatched](${timelineHref})`,
        );
        break;
      case 'facts':
        for (const item of block.items) {
          // Four backticks: facts may hold command output with a fence of their own.
          out.push(`<details><summary>${item.title}</summary>\n\n\`\`\`\`json\n${item.text}\n\`\`\`\`\n\n</details>`);
        }
        break;
    }
    out.push('');
  }
  return out.join('\n');
}
