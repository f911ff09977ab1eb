/**
 * A plan file from plans/, parsed and edited per test case: the valid plan, or the errors a change
 * to it is refused with (as `path: message` lines, what `plan check` prints).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { parsePlan } from '../../plan/load';
import type { Plan } from '../../domain';

export type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form YAML edited per case

export function planEdits(fileName: string) {
  const text = readFileSync(path.join(__dirname, '..', '..', 'plans', fileName), 'utf8');
  function load(change?: (doc: Doc) => void): ReturnType<typeof parsePlan> {
    const doc = parse(text) as Doc;
    change?.(doc);
    return parsePlan(stringify(doc));
  }
  function valid(change?: (doc: Doc) => void): Plan {
    const result = load(change);
    if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    return result.plan;
  }
  function errorsOf(change: (doc: Doc) => void): string[] {
    const result = load(change);
    if (result.ok) throw new Error('expected the plan to be refused');
    return result.errors.map((e) => `${e.path}: ${e.message}`);
  }
  return { text, load, valid, errorsOf };
}
