/**
 * How a plan reaches what it drives, shared by every component kind: secrets by reference, the command,
 * HTTP and manual drivers, tiers and the tuning every component may set. Durations are milliseconds.
 */
/** Where the worker finds a secret at the moment of use; exactly one of the two is set. */
export interface SecretRef {
  env?: string;
  file?: string;
}

export type EnvValue = string | SecretRef;

/** A header's secret sent after fixed text: `{ env: OPENCTI_TOKEN, prefix: "Bearer " }`; the prefix is not secret. */
export interface ComposedSecretRef extends SecretRef {
  prefix?: string;
}

export type HeaderValue = string | ComposedSecretRef;

export interface CommandDriver {
  argv: string[];
  env?: Record<string, EnvValue>;
  cwd?: string;
  /** Run through /bin/sh -c: only when the plan asks (pipes, globs), never by default. */
  shell: boolean;
  timeout?: number;
  expectExit: number[];
  /** A regular expression stdout must match, beside the exit code (a count, a role, a version). */
  expectOutput?: string;
  /** A check of something that takes time to appear: run it again until it passes, for at most this long. */
  within?: number;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One assertion on a JSON answer: the value at `path` (`data.items[0].count`) equals, is within, or exists. */
export interface JsonExpectation {
  path: string;
  equals?: JsonValue;
  min?: number;
  max?: number;
  exists?: boolean;
}

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface HttpDriver {
  /** Never carries a credential: the plan refuses one here and takes it in `query`. */
  url: string;
  /** Query parameters added to `url` when the check runs; a credential is a reference, resolved by the worker. */
  query?: Record<string, EnvValue>;
  method: HttpMethod;
  /** The request's body: a string is sent as text, anything else as JSON (a GraphQL query, a restSearch filter). */
  body?: JsonValue;
  expectStatus: number[];
  bodyMatch?: string;
  /** Assertions on the answer read as JSON; an answer that is not JSON fails them. */
  expectJson?: JsonExpectation[];
  headers?: Record<string, HeaderValue>;
  timeout?: number;
  /** A check of something that takes time to appear (jobs on the new side): ask again until it passes, for at most this long. */
  within?: number;
}

/** How one operation on one site is carried out: exactly one of a command, an HTTP check or a person. */
export interface Driver {
  command?: CommandDriver;
  http?: HttpDriver;
  manual?: string;
}

/** Where a component sits in the stack: stop order is app, search, database; start order the reverse. */
export const TIERS = ['app', 'search', 'database', 'traffic'] as const;
export type Tier = (typeof TIERS)[number];

/** Overrides of the plan's defaults for every step of one component. */
export interface StepTuning {
  timeout?: number;
  retries?: number;
  /** How long its health checks right after a start ask again until they pass (START_GRACE_MS unless set). */
  within?: number;
}

export interface ComponentBase extends StepTuning {
  description?: string;
}

/** Process drivers every data-tier site may have. */
export interface ProcessDrivers {
  stop?: Driver;
  start?: Driver;
  reboot?: Driver;
}
