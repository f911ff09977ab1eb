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

/**
 * Shell commands run on every InService instance of an EC2 Auto Scaling group through SSM Run Command
 * (the nodes' EFS mount, Apache, supervisord): passes only when every node ran them with success.
 */
export interface SsmDriver {
  autoScalingGroup: string;
  /** The group's region; the worker's own (AWS_REGION) when absent. */
  region?: string;
  /** Lines of the document's `commands` parameter, run in order by one shell on each node. */
  commands: string[];
  /** An SSM command document that takes `commands` (AWS-RunShellScript, AWS-RunPowerShellScript). */
  documentName: string;
  /** How long the nodes may take, from the command's delivery to its end on the last node. */
  timeout?: number;
  /** A regular expression each node's output must match as well (a count, a mount, a state). */
  expectOutput?: string;
}

/** How one operation on one site is carried out: exactly one of a command, an HTTP check, a command on every node or a person. */
export interface Driver {
  command?: CommandDriver;
  http?: HttpDriver;
  ssm?: SsmDriver;
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
  /**
   * Components of the same tier this one depends on: it starts (and is checked) after them and stops
   * before them. Without it, a tier's components run at once, one lane each.
   */
  after?: string[];
  /** Retries of its destructive steps after their first attempt (0: one attempt, then an operator decides). */
  destructiveRetries?: number;
}

/** Process drivers every data-tier site may have. */
export interface ProcessDrivers {
  stop?: Driver;
  start?: Driver;
  reboot?: Driver;
}
