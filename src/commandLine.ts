/**
 * The command lines of Drillbook's own small programs (the lab's stand-ins and appctl, the demo, the
 * scripts): Node's util.parseArgs in strict mode, so a mistyped flag is refused instead of ignored,
 * its errors turned into the CLI's UsageError (bad input, exit 2) naming the flag and what the
 * program takes. `drillbook` itself parses with commander (src/cli.ts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './commands/errors';
import { exitWhenFlushed } from '../store/exit';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `options` of one program, checked by parseArgs; `usage` is the line a usage error ends with. */
export interface CommandLine<O extends Options> {
  program: string;
  usage: string;
  options: O;
  allowPositionals?: boolean;
  args?: string[];
}

/** Parses `args` (default: this process's arguments), refusing what the program does not take. */
export function parseCommandLine<O extends Options>(line: CommandLine<O>) {
  const { program, usage, options, allowPositionals = false, args = process.argv.slice(2) } = line;
  try {
    return parseArgs({ args, options, allowPositionals, strict: true, tokens: true });
  } catch (error) {
    throw usageError(program, usage, options, error as Error & { code?: string });
  }
}

function usageError(program: string, usage: string, options: Options, error: Error & { code?: string }): UsageError {
  const flags = Object.keys(options).map((name) => `--${name}`);
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  const flag = quoted.replace(/ <value>$/, '');
  let what = error.message;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    what = `unknown option ${flag}; ${flags.length ? `it takes ${flags.join(', ')}` : 'it takes no options'}`;
  else if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /does not take an argument/.test(error.message))
    what = `${flag} takes no value`;
  // Missing, or followed by another flag: parseArgs takes a value that starts with a dash only as --flag=VALUE.
  else if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    what = `${flag} needs a value (one that starts with a dash is written ${flag}=VALUE)`;
  else if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') what = `unexpected argument "${flag}"`;
  return new UsageError(`${program}: ${what}\nusage: ${usage}`);
}

/** The value of a flag that must be given. */
export function required(program: string, values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string') throw new UsageError(`${program}: --${name} is required`);
  return value;
}

/** A TCP port given as `--name`, or `fallback` when it is absent. */
export function portOption(program: string, text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`${program}: --${name} must be a port number (0-65535), got "${text}"`);
  return port;
}

/** One of `accepted`, given as `--name`. */
export function oneOf<T extends string>(program: string, text: string, name: string, accepted: readonly T[]): T {
  if ((accepted as readonly string[]).includes(text)) return text as T;
  throw new UsageError(
    `${program}: --${name} must be ${accepted.length === 2 ? accepted.join(' or ') : `one of ${accepted.join(', ')}`}, got "${text}"`,
  );
}

/**
 * How a program that failed ends: bad input prints its usage error and exits 2 (nothing was done);
 * anything else prints `failed` and the message and exits 1.
 */
export function exitOnFailure(failed: string): (error: Error) => Promise<never> {
  return (error) => {
    if (error instanceof UsageError) console.error(error.message);
    else console.error(`${failed}: ${error.message}`);
    return exitWhenFlushed(error instanceof UsageError ? 2 : 1);
  };
}
