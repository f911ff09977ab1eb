/** Reusable schema pieces for plan files: durations, secret references, step drivers. */
import { z } from 'zod';
import { parseDuration } from './duration';

/**
 * An object with exactly one of the given keys. Unlike a union, errors inside the chosen key keep
 * their full path (`components.app.primary.stop.command.argv`), which is what a plan author needs.
 */
export function exactlyOne<Shape extends Record<string, z.ZodType>, Base extends Record<string, z.ZodType> = Record<never, never>>(
  what: string,
  shape: Shape,
  base?: Base,
) {
  const keys = Object.keys(shape);
  const optionalShape = Object.fromEntries(keys.map((key) => [key, shape[key].optional()])) as {
    [K in keyof Shape]: z.ZodOptional<Shape[K]>;
  };
  return z.strictObject({ ...(base as Base), ...optionalShape }).superRefine((value, ctx) => {
    const present = keys.filter((key) => (value as Record<string, unknown>)[key] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${what} with exactly one of ${keys.join(', ')}${present.length ? `, got ${present.join(' and ')}` : ''}`,
      });
    }
  });
}

export const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as "30s", "15m" or "4h", got "${text}"` });
    return z.NEVER;
  }
  return ms;
});

export const identifier = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lower-case letters, digits and dashes (at most 63), starting with a letter or digit');

/**
 * A secret is never written into a plan: the plan names where the worker finds it.
 * Activities resolve it at the moment of use (activities/secrets.ts).
 */
export const secretRef = exactlyOne('a secret reference', {
  env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
  file: z.string().min(1),
});

const envValue = z.union([z.string(), secretRef], {
  error: 'expected a string or a secret reference ({ env: NAME } or { file: PATH })',
});

const commandObject = z.strictObject({
  argv: z.array(z.string()).min(1, 'expected at least the program to run'),
  env: z.record(z.string(), envValue).optional(),
  cwd: z.string().optional(),
  /** Run through /bin/sh -c: only when the plan asks (pipes, globs), never by default. */
  shell: z.boolean().default(false),
  timeout: duration.optional(),
  expectExit: z.array(z.number().int()).default([0]),
  /** A check that waits for what it checks: run again until it passes, for at most this long. */
  within: duration.optional(),
});

/** `[systemctl, stop, app]` is short for `{ argv: [systemctl, stop, app] }`. */
export const commandDriver = z.preprocess((value) => (Array.isArray(value) ? { argv: value } : value), commandObject);

export const httpDriver = z.strictObject({
  url: z.url({ error: 'expected an absolute http(s) URL' }),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  expectStatus: z
    .union([z.number().int(), z.array(z.number().int())])
    .default(200)
    .transform((value) => (Array.isArray(value) ? value : [value])),
  bodyMatch: z.string().optional(),
  headers: z.record(z.string(), envValue).optional(),
  timeout: duration.optional(),
  /** A check that waits for what it checks (jobs appearing on the new side): ask again until it passes, for at most this long. */
  within: duration.optional(),
});

export const manualDriver = z.union([z.string().min(1), z.strictObject({ instructions: z.string().min(1) })]).transform((value) =>
  typeof value === 'string' ? value : value.instructions,
);

/** How one operation on one site is carried out: a command, an HTTP check or a person. */
export const DRIVER_SHAPE = { command: commandDriver, http: httpDriver, manual: manualDriver };
export const driver = exactlyOne('a step driver', DRIVER_SHAPE);
