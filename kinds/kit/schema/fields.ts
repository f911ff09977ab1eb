/** Reusable schema pieces for plan files: durations, secret references, step drivers. */
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration';
import { jsonExpectation, jsonValue, pattern } from './expectations';
import { argvSecrets } from './argvSecrets';
import { SECRET_HINT, secretAwareMap } from './secrets';
import { describeUrlCredential, httpUrl, urlCredentials } from './url';
import { HTTP_METHODS } from '../../../domain';

/**
 * An object with exactly one of the given keys. Unlike a union, errors inside the chosen key keep
 * their full path (`components.app.primary.stop.command.argv`), which is what a plan author needs.
 */
export function exactlyOne<
  Shape extends Record<string, z.ZodType>,
  Base extends Record<string, z.ZodType> = Record<never, never>,
>(
  what: string,
  shape: Shape,
  base?: Base,
  /** What to say when the value is not an object at all (a string where a reference belongs). */
  notAnObject = `expected ${what}: an object with exactly one of ${Object.keys(shape).join(', ')}`,
) {
  const keys = Object.keys(shape);
  const optionalShape = Object.fromEntries(keys.map((key) => [key, shape[key].optional()])) as {
    [K in keyof Shape]: z.ZodOptional<Shape[K]>;
  };
  const notObject = (issue: { code?: string }) => (issue.code === 'invalid_type' ? notAnObject : undefined);
  return z.strictObject({ ...(base as Base), ...optionalShape }, { error: notObject }).superRefine((value, ctx) => {
    const present = keys.filter((key) => (value as Record<string, unknown>)[key] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${what} with exactly one of ${keys.join(', ')}${present.length ? `, got ${present.join(' and ')}` : ''}`,
      });
    }
  });
}

const DURATION_FORMS = 'expected a duration such as "30s", "15m" or "4h"';

/**
 * A duration as the plan writes it ("30s", "15m", "4h"), at least `minMs`: a number or anything else
 * is refused saying so, and so is one below the field's minimum, saying the minimum and why (a
 * `timeout: 0s` was once silently run as 1 s).
 */
export function durationAtLeast(minMs: number, why: string) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined ? undefined : `${DURATION_FORMS}, got ${JSON.stringify(issue.input)}`,
    })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `${DURATION_FORMS}, got "${text}"` });
        return z.NEVER;
      }
      if (ms < minMs) {
        const least = minMs <= 1 ? 'more than 0' : `at least ${formatDuration(minMs)}`;
        ctx.addIssue({ code: 'custom', message: `expected ${least} (${why}), got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });
}

/** Any wait, interval or age: more than 0, which none of them can be. */
export const duration = durationAtLeast(1, 'a wait, an interval or an age of 0 cannot be kept');
/** An objective that may be 0 (an RPO of 0s: no write may be lost). */
export const durationOrZero = durationAtLeast(0, '');
/** A step's, a command's or a request's timeout: Temporal runs nothing in less than a second. */
export const timeoutDuration = durationAtLeast(1000, 'a step or a request needs at least 1s to run');
/** How long a check is asked again (`within`): it is asked once a second. */
export const withinDuration = durationAtLeast(1000, 'a check that waits is asked again once a second');

export const identifier = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'expected lower-case letters, digits and dashes (at most 63), starting with a letter or digit',
  );

/**
 * A secret is never written into a plan: the plan names where the worker finds it.
 * Activities resolve it at the moment of use (kinds/kit/activities/secrets.ts).
 */
export const secretRef = exactlyOne(
  'a secret reference',
  {
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
    file: z.string().min(1),
  },
  {},
  `expected a secret reference, never the secret itself: ${SECRET_HINT}`,
);

/**
 * A header's secret with a fixed text before it (`Authorization: Bearer <token>`): the prefix is not
 * secret and stays in the plan; the worker resolves the reference and sends prefix + value.
 */
export const composedSecretRef = exactlyOne(
  'a secret reference',
  {
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
    file: z.string().min(1),
  },
  {
    // A scheme word only: anything longer could be the secret itself, written where the plan keeps it in the clear.
    prefix: z
      .string()
      .regex(
        /^[A-Za-z][A-Za-z0-9_-]{0,31}[ =:]?$/,
        'expected a scheme word sent before the secret, such as "Bearer " or "Token " (the prefix is kept in the plan and the history; the secret belongs in env or file)',
      )
      .optional(),
  },
  `expected a secret reference, never the secret itself: ${SECRET_HINT}, with prefix: "Bearer " to send text before it`,
);

/** A header's value: plain text, or a secret reference that may carry a prefix ({ env: VAR, prefix: "Bearer " }). */
const headerValue = z.union([z.string(), composedSecretRef], {
  error: `expected a string, or for a secret a reference: ${SECRET_HINT}, optionally with prefix: "Bearer "`,
});

/** A plain value, or a reference where the value is a secret (secrets.ts says which names must be references). */
const valueOrSecret = z.union([z.string(), secretRef], {
  error: `expected a string, or for a secret a reference: ${SECRET_HINT}`,
});

const COMMAND_FORMS =
  'expected a command as a list of words such as [systemctl, stop, app], or { argv: [...], env, cwd, timeout, expectExit, expectOutput }; a whole command line in one string is { argv: ["..."], shell: true }';

const commandObject = z
  .strictObject(
    {
      // YAML reads `[sleep, 5]` or `[true]` as a number or a boolean: a word of a command line is its text.
      argv: z
        .array(
          z
            .union([z.string(), z.number(), z.boolean()], { error: 'expected a word of the command line' })
            .transform(String),
          { error: COMMAND_FORMS },
        )
        .min(1, 'expected at least the program to run'),
      env: secretAwareMap('env', valueOrSecret).optional(),
      cwd: z.string().optional(),
      /** Run through /bin/sh -c: only when the plan asks (pipes, globs), never by default. */
      shell: z.boolean().default(false),
      timeout: timeoutDuration.optional(),
      expectExit: z.array(z.number().int()).default([0]),
      /** A regular expression stdout must match as well (a count, a role, a version). */
      expectOutput: pattern.optional(),
      /** A check that waits for what it checks: run again until it passes, for at most this long. */
      within: withinDuration.optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? COMMAND_FORMS : undefined) },
  )
  .superRefine((command, ctx) => {
    // A password on the command line or in a URL in its env would be kept in the drill's history.
    for (const found of argvSecrets(command.argv, command.shell))
      ctx.addIssue({ code: 'custom', path: ['argv', found.index], message: found.message });
    for (const [name, value] of Object.entries(command.env ?? {})) {
      if (typeof value !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        continue;
      }
      for (const found of urlCredentials(url)) {
        ctx.addIssue({
          code: 'custom',
          path: ['env', name],
          message: `a URL with ${describeUrlCredential(found)} is a secret written inline (it would be kept in the drill's history): give the credential its own variable as { env: VAR } or { file: PATH }, or the whole URL: ${name}: { file: PATH }`,
        });
      }
    }
  });

/** `[systemctl, stop, app]` is short for `{ argv: [systemctl, stop, app] }`. */
export const commandDriver = z.preprocess((value) => (Array.isArray(value) ? { argv: value } : value), commandObject);

const statusCode = z.number().int().min(100).max(599);

export const httpDriver = z
  .strictObject({
    url: httpUrl(undefined, undefined, 'http'),
    /**
     * Query parameters added to the URL when the check runs: a credential (OpenCTI's
     * health_access_key) as { env: VAR } or { file: PATH }, resolved by the worker and kept out of
     * the history, the observations and the report.
     */
    query: secretAwareMap('query', valueOrSecret).optional(),
    method: z.enum(HTTP_METHODS, { error: `expected one of ${HTTP_METHODS.join(', ')}` }).default('GET'),
    /** Sent as text when a string, as JSON otherwise (a GraphQL query, a restSearch filter). */
    body: jsonValue.optional(),
    expectStatus: z
      .union([statusCode, z.array(statusCode)], {
        error: 'expected an HTTP status code or a list of them, such as 200 or [200, 401] (numbers, not quoted)',
      })
      .default(200)
      .transform((value) => (Array.isArray(value) ? value : [value])),
    bodyMatch: pattern.optional(),
    /** Values read from the answer as JSON; an answer that is not JSON (a login page) fails them. */
    expectJson: z.array(jsonExpectation).min(1).optional(),
    headers: secretAwareMap('header', headerValue).optional(),
    timeout: timeoutDuration.optional(),
    /** A check that waits for what it checks (jobs appearing on the new side): ask again until it passes, for at most this long. */
    within: withinDuration.optional(),
  })
  .superRefine((http, ctx) => {
    if (http.body !== undefined && (http.method === 'GET' || http.method === 'HEAD')) {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        message: `a ${http.method} request sends no body; write method: POST (or PUT, PATCH, DELETE)`,
      });
    }
    if (http.method === 'HEAD' && (http.bodyMatch !== undefined || http.expectJson !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['method'],
        message: 'a HEAD answer has no body to match; write method: GET',
      });
    }
  });

export const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1');

/** What SSM's AWS-RunShellScript and AWS-RunPowerShellScript take as their `commands`: at most this many lines. */
const SSM_COMMAND_LINES = 100;

/**
 * Commands on every InService node of an Auto Scaling group, through SSM Run Command. The lines go to
 * SSM and stay in its command history: a secret is read on the node ("$(cat FILE)"), never written here.
 */
export const ssmDriver = z
  .strictObject({
    autoScalingGroup: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^:]+$/, 'expected the Auto Scaling group name (not its ARN), such as misp-web-euw1'),
    region: region.optional(),
    commands: z
      .array(z.string().min(1, 'expected a command line'), {
        error: 'expected the lines each node runs, such as ["systemctl is-active apache2"]',
      })
      .min(1, 'expected at least one command line')
      .max(SSM_COMMAND_LINES, `expected at most ${SSM_COMMAND_LINES} lines`),
    documentName: z
      .string()
      .regex(
        /^[a-zA-Z0-9_.:/-]{3,128}$/,
        'expected an SSM command document that takes `commands`, such as AWS-RunShellScript or AWS-RunPowerShellScript',
      )
      .default('AWS-RunShellScript'),
    /** From delivery to the last node's end; also the document's executionTimeout on each node. */
    timeout: duration.optional(),
    expectOutput: pattern.optional(),
  })
  .superRefine((ssm, ctx) => {
    ssm.commands.forEach((line, index) => {
      for (const found of argvSecrets([line], true)) {
        const what = found.message.split(' is written inline')[0];
        ctx.addIssue({
          code: 'custom',
          path: ['commands', index],
          message: `${what} is written inline, so it would be kept in SSM's command history, the drill's history and its report: read it on the node instead ("$(cat FILE)" of a file only root reads there, or the node's secret store)`,
        });
      }
    });
  });

export const manualDriver = z
  .union([z.string().min(1), z.strictObject({ instructions: z.string().min(1) })])
  .transform((value) => (typeof value === 'string' ? value : value.instructions));

/** How one operation on one site is carried out: a command, an HTTP check, commands on every node or a person. */
export const DRIVER_SHAPE = { command: commandDriver, http: httpDriver, ssm: ssmDriver, manual: manualDriver };
export const driver = exactlyOne('a step driver', DRIVER_SHAPE);

/**
 * Overrides of the plan's defaults for every step of one component, and how long its checks right
 * after a start wait for it to answer (START_GRACE_MS unless set).
 */
export const stepTuning = {
  timeout: timeoutDuration.optional(),
  retries: z.number().int().min(1).max(100).optional(),
  /** A health check right after a start asks again until it passes, for at most this long. */
  within: withinDuration.optional(),
};
