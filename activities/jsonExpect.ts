/**
 * Checks a JSON answer against a plan's `expectJson`. A check that cannot tell fails: an answer that
 * is not JSON (a login page), a missing value or one of the wrong type is a failure with the reason.
 */
import type { JsonExpectation } from '../domain';

export type JsonVerdict = { ok: true; seen: string } | { ok: false; why: string };

/** `data.items[0].count` → the value there, or undefined when any step of the way is missing. */
export function valueAt(document: unknown, path: string): unknown {
  const steps = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
  return steps.reduce<unknown>(
    (value, step) =>
      value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[step] : undefined,
    document,
  );
}

/** What min and max compare: a number, a number sent as text (MISP sends counts so), or a list's length. */
function measure(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (Array.isArray(value)) return value.length;
  return undefined;
}

const shown = (value: unknown): string => (value === undefined ? 'missing' : JSON.stringify(value).slice(0, 80));

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  )
    return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

function judge(document: unknown, check: JsonExpectation): string | undefined {
  const value = valueAt(document, check.path);
  if (check.exists === false)
    return value === undefined ? undefined : `${check.path} is ${shown(value)}, expected it absent`;
  if (value === undefined) return `${check.path} is missing from the answer`;
  if (check.equals !== undefined && !sameJson(value, check.equals))
    return `${check.path} is ${shown(value)}, expected ${shown(check.equals)}`;
  if (check.min === undefined && check.max === undefined) return undefined;
  const size = measure(value);
  if (size === undefined) return `${check.path} is ${shown(value)}, not a number or a list to compare`;
  if (check.min !== undefined && size < check.min) return `${check.path} is ${size}, expected at least ${check.min}`;
  if (check.max !== undefined && size > check.max) return `${check.path} is ${size}, expected at most ${check.max}`;
  return undefined;
}

/** Parses the body and applies every expectation; on success says what it saw ("data.count = 48211"). */
export function checkJson(
  body: string,
  contentType: string | undefined,
  checks: readonly JsonExpectation[],
): JsonVerdict {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    const start = body.trim().slice(0, 60).replace(/\s+/g, ' ');
    return {
      ok: false,
      why: `the answer is not JSON (${contentType || 'no content type'}: "${start}${body.trim().length > 60 ? '…' : ''}"), so ${checks.map((c) => c.path).join(', ')} cannot be checked`,
    };
  }
  const failures = checks.map((check) => judge(document, check)).filter((why): why is string => why !== undefined);
  if (failures.length) return { ok: false, why: failures.join('; ') };
  return {
    ok: true,
    seen: checks.map((check) => `${check.path} = ${shown(valueAt(document, check.path))}`).join(', '),
  };
}
