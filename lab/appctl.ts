/**
 * Starts, stops and reports a site's stand-in app, as a site's service manager would
 * (`systemctl start tc-app`). Idempotent: start when running and stop when stopped succeed.
 * Usage: node dist/lab/appctl.js start|stop|status|monitors|release <site> [--port N] [--dir D] [app options]
 * `release` prints `version <release>`: the release the site's app runs or would run (as a package
 * manager says what is installed on a stopped server), from the app options given with it, else
 * from those it was last started with.
 * `monitors` prints whether this app server runs jobs now (ThreatConnect's monitorsEnabled, which
 * a real drill reads from threatconnect.xml on the host): true, or false when it is stopped or off.
 * App options (--db, --db-password-file, --monitors, ...) go to the stand-in app (standinApp.ts); a
 * flag neither takes (standinArgs.ts) is refused with exit 2 before anything starts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exitOnFailure, parseCommandLine, portOption } from '../src/commandLine';
import { dataDir } from '../store/config';
import { exitWhenFlushed } from '../store/exit';
import { checkStandinAppFlags, STANDIN_APP_OPTIONS } from './standinArgs';
import { STANDIN_RELEASES, type PersonalityName } from './tip';

const DEFAULT_PORTS: Record<string, number> = { primary: 18081, secondary: 18082 };

const USAGE = 'appctl start|stop|status|monitors|release <site> [--port N] [--dir D] [app options]';

/** appctl's own flags and, passed through to the app it starts, the app's (standinArgs.ts). */
function commandLine(args = process.argv.slice(2)) {
  return parseCommandLine({
    program: 'appctl',
    usage: USAGE,
    options: { port: { type: 'string' }, dir: { type: 'string' }, ...STANDIN_APP_OPTIONS },
    allowPositionals: true,
    args,
  });
}

/** The app's options as given, in their order: every flag but appctl's own --port and --dir. */
function appOptions(tokens: ReturnType<typeof commandLine>['tokens']): string[] {
  return tokens.flatMap((token) =>
    token.kind === 'option' && token.name in STANDIN_APP_OPTIONS ? [`--${token.name}`, token.value ?? ''] : [],
  );
}

function runningPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return false;
}

const answers = (port: number) => () =>
  fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.ok,
    () => false,
  );

async function main(): Promise<number> {
  const { values, positionals, tokens } = commandLine();
  const [verb, site, ...extra] = positionals;
  if (!['start', 'stop', 'status', 'monitors', 'release'].includes(verb) || !site || extra.length > 0) {
    console.error(`usage: ${USAGE}`);
    return 2;
  }
  const port = portOption('appctl', values.port, 'port', DEFAULT_PORTS[site] ?? 18080);
  const dir = values.dir ?? path.join(dataDir(), 'lab');
  const given = appOptions(tokens);
  // The app would refuse these values only once started, in its log: refused here, nothing starts.
  if (verb === 'start') checkStandinAppFlags('appctl', values);
  mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, `app-${site}.pid`);
  const pid = runningPid(pidFile);

  if (verb === 'status') {
    console.log(pid ? `app on ${site} running (pid ${pid}, port ${port})` : `app on ${site} stopped`);
    return pid ? 0 : 3;
  }
  if (verb === 'monitors') return printMonitors(pid, port, site);
  if (verb === 'release') return printRelease(given, path.join(dir, `app-${site}.options.json`), site);
  if (verb === 'stop') {
    if (!pid) {
      console.log(`app on ${site} already stopped`);
      return 0;
    }
    process.kill(pid, 'SIGTERM');
    const gone = await waitFor(async () => runningPid(pidFile) === undefined, 10_000);
    if (!gone) process.kill(pid, 'SIGKILL');
    rmSync(pidFile, { force: true });
    console.log(`app on ${site} stopped (was pid ${pid})`);
    return 0;
  }
  if (pid) {
    console.log(`app on ${site} already running (pid ${pid})`);
    return 0;
  }
  const log = openSync(path.join(dir, `app-${site}.log`), 'a');
  const child = spawn(
    process.execPath,
    [path.join(__dirname, 'standinApp.js'), '--site', site, '--port', String(port), ...given],
    {
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  writeFileSync(pidFile, String(child.pid));
  writeFileSync(path.join(dir, `app-${site}.options.json`), JSON.stringify(given));
  child.unref();
  if (!(await waitFor(answers(port), 10_000))) {
    console.error(`app on ${site} did not answer on port ${port} within 10s; see ${path.join(dir, `app-${site}.log`)}`);
    return 1;
  }
  console.log(`app on ${site} started (pid ${child.pid}, port ${port})`);
  return 0;
}

/**
 * The release from the app options given here (what the server is installed to run, as its start
 * command says), else from those it was last started with: --release, else its personality's own.
 */
function printRelease(given: string[], optionsFile: string, site: string): number {
  let options = given;
  if (options.length === 0) {
    try {
      options = JSON.parse(readFileSync(optionsFile, 'utf8')) as string[];
    } catch {
      console.error(`app on ${site} was never started here (no ${optionsFile}) and no app options were given`);
      return 1;
    }
  }
  const { values } = commandLine(['release', site, ...options]);
  const personality = values.personality as PersonalityName | undefined;
  const release =
    values.release ?? (personality && personality in STANDIN_RELEASES ? STANDIN_RELEASES[personality] : undefined);
  if (!release) {
    console.error(`app on ${site} runs no TIP personality: it has no release`);
    return 1;
  }
  console.log(`version ${release}`);
  return 0;
}

/** A stopped server runs no jobs; a running one that does not say is a reading nobody can use (exit 1). */
async function printMonitors(pid: number | undefined, port: number, site: string): Promise<number> {
  if (!pid) {
    console.log('false');
    return 0;
  }
  try {
    const health = (await (
      await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) })
    ).json()) as { monitorsEnabled?: unknown };
    if (typeof health.monitorsEnabled !== 'boolean') throw new Error('its /health does not say monitorsEnabled');
    console.log(String(health.monitorsEnabled));
    return 0;
  } catch (error) {
    console.error(`app on ${site} runs (pid ${pid}) but cannot be read: ${(error as Error).message}`);
    return 1;
  }
}

void main().then(exitWhenFlushed, exitOnFailure('appctl'));
