/** The blocks a report is made of, independent of format: the Markdown and HTML renderers lay them out. */
export type Block =
  | { type: 'heading'; level: 1 | 2 | 3; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'fields'; rows: [string, string][] }
  | { type: 'table'; head: string[]; rows: string[][] }
  | { type: 'timeline' }
  | { type: 'facts'; items: { title: string; text: string }[] };
