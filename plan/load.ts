/** Reading and validating plan files; every error names the field's path in the file. */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { planSchema } from './schema';
import { scanPlanText } from './secretScan';
import { planErrorMap, unknownFieldsMessage } from '../kinds/kit/schema/errorMap';
import type { Plan } from '../domain';

export interface PlanError {
  /** Dotted path into the file, e.g. `components.db.secondary.port`; empty for the whole file. */
  path: string;
  message: string;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; errors: PlanError[] };

export class PlanValidationError extends Error {
  constructor(
    readonly source: string,
    readonly errors: PlanError[],
  ) {
    super(`${source}: invalid plan\n${errors.map((e) => `  ${formatPlanError(e)}`).join('\n')}`);
    this.name = 'PlanValidationError';
  }
}

/** A plan file that cannot be read (missing, a folder, no permission): bad input, said in one line. */
export class PlanUnreadable extends PlanValidationError {
  constructor(source: string, reason: string) {
    super(source, [{ path: '', message: `cannot read the plan file: ${reason}` }]);
    this.message = `${source}: cannot read the plan file: ${reason}`;
    this.name = 'PlanUnreadable';
  }
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder, not a file',
};

async function readPlanText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new PlanUnreadable(file, READ_FAILURES[code] ?? (error as Error).message);
  }
}

export const formatPlanError = (error: PlanError): string =>
  error.path ? `${error.path}: ${error.message}` : error.message;

/**
 * A path as a person finds it in the file: `steps[id=warm-cache].timeout` rather than `steps[15]`
 * where the list's item has an id (steps, stop conditions, schedules, approvers), else its index.
 * `document` is the plan as read from YAML; without it indexes are said.
 */
export function formatPath(segments: readonly PropertyKey[], document?: unknown): string {
  let node = document;
  return segments.reduce<string>((text, segment) => {
    const item =
      node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[segment] : undefined;
    node = item;
    if (typeof segment === 'number') {
      const id = item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
      return typeof id === 'string' && /^[A-Za-z0-9._-]+$/.test(id) ? `${text}[id=${id}]` : `${text}[${segment}]`;
    }
    return text ? `${text}.${String(segment)}` : String(segment);
  }, '');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key') {
    // A name the plan gives (a component's): say what names look like, and the nearest that would do.
    const name = String(issue.path[issue.path.length - 1]);
    const inner = issue.issues[0]?.message ?? 'not a valid name';
    const fixed = name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+/, '');
    return `"${name}" is not a valid name: ${inner}${fixed && fixed !== name ? `, such as "${fixed}"` : ''}`;
  }
  if (issue.code === 'unrecognized_keys')
    // Worded by planErrorMap with the fields accepted there; a schema that words its own keeps it.
    return issue.message.startsWith('unknown field') ? issue.message : unknownFieldsMessage(issue.keys, []);
  const message = issue.message.replace(/^Invalid (input|option): /, '');
  const missing = /^expected (.+), received undefined$/.exec(message);
  return missing ? `is required (expected ${missing[1]})` : message;
}

/**
 * Top-level keys starting with `x-` (as in Compose files) hold anchors a plan reuses (`x-checks:
 * { health: &health … }`) and are not part of the plan: they are dropped before validation.
 */
function withoutTemplates(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('x-')));
}

/** The plan as YAML reads it (merge keys applied), or its syntax errors. */
function readYaml(text: string): { value: unknown } | { errors: PlanError[] } {
  // merge: `<<: *check` merge keys, so a check is written once and reused with its differences.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length === 0) return { value: doc.toJS() as unknown };
  return {
    errors: doc.errors.map((e) => ({
      path: '',
      message: `YAML syntax: ${e.message.split('\n')[0].replace(/:$/, '')}`,
    })),
  };
}

/** Validates YAML text; never throws for bad input, returns every error found. */
export function parsePlan(text: string): PlanResult {
  const read = readYaml(text);
  if ('errors' in read) return { ok: false, errors: read.errors };
  const result = planSchema.safeParse(withoutTemplates(read.value), { error: planErrorMap });
  if (result.success) return { ok: true, plan: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => ({
      path: formatPath(issue.path, read.value),
      message: issueMessage(issue),
    })),
  };
}

/**
 * Validates YAML text and scans all of it for secrets written inline (secretScan.ts): what the CLI,
 * the demo and the loadPlan activity use. A finding the schema already refused at the same path
 * is said once.
 */
export async function checkPlanText(text: string, source?: string): Promise<PlanResult> {
  const parsed = parsePlan(text);
  // `command: [a, b]` is `command.argv[1]` to the schema and `command[1]` in the file: one field.
  const field = (at: string) => at.replace(/\.argv\[/g, '[');
  const refused = new Set(parsed.ok ? [] : parsed.errors.map((e) => field(e.path)));
  const read = readYaml(text);
  const document = 'value' in read ? read.value : undefined;
  const found = (await scanPlanText(text, source))
    .map((finding) => ({ path: formatPath(finding.path, document), message: finding.message }))
    .filter((finding) => !refused.has(field(finding.path)));
  if (found.length === 0) return parsed;
  return { ok: false, errors: [...(parsed.ok ? [] : parsed.errors), ...found] };
}

export async function loadPlanFile(file: string): Promise<Plan> {
  const result = await checkPlanText(await readPlanText(file), file);
  if (!result.ok) throw new PlanValidationError(file, result.errors);
  return result.plan;
}

/** Finds the plan for a target in a plans folder: `<target>.yaml` first, then any file whose `target` matches. */
export async function findPlanFile(plansDir: string, target: string): Promise<string | undefined> {
  const entries = await readdir(plansDir).catch(() => [] as string[]);
  const yamlFiles = entries.filter((name) => /\.ya?ml$/.test(name) && !name.includes('.example.'));
  const direct = yamlFiles.find((name) => name === `${target}.yaml` || name === `${target}.yml`);
  if (direct) return path.join(plansDir, direct);
  for (const name of yamlFiles) {
    const text = await readFile(path.join(plansDir, name), 'utf8');
    const declared = /^target:\s*["']?([a-z0-9-]+)/m.exec(text)?.[1];
    if (declared === target) return path.join(plansDir, name);
  }
  return undefined;
}
