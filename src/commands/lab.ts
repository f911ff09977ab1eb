/**
 * `drillbook lab up|down|status [server]` and per-site `start|stop|kill|rewind`: the local lab's
 * real servers (scripts/lab/lab.sh: MariaDB pair, PostgreSQL primary/standby, OpenSearch cluster)
 * and the stand-in app of plans/lab.yaml, started by lab.sh exactly as the plan starts it; with `--platform opencti` the OpenCTI lab of
 * plans/opencti-lab.yaml (scripts/lab/opencti.sh: a Kubernetes control plane, Redis, RabbitMQ,
 * OpenSearch, S3 and the stand-in platform per site); with `--platform misp` the MISP lab of
 * plans/misp-lab.yaml (scripts/lab/misp.sh: HAProxy, a stand-in MISP node, MariaDB and shared storage
 * per site). DRILLBOOK_LAB_DIR and DRILLBOOK_LAB_PORT_OFFSET apply.
 * `lab disaster` loses the primary site of a lab at once (every server process SIGKILLed, the
 * loss recorded in the lab's data folder); `lab return` brings those servers back on their old data.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../../store/config';
import { UsageError } from './errors';

const repoRoot = (): string => PROJECT_ROOT;
const SERVERS = ['all', 'mariadb', 'postgres', 'opensearch', 'app'];
const OPENCTI_SERVERS = ['all', 'kubernetes', 'redis', 'rabbitmq', 'opensearch', 's3', 'platform'];
const SITES = ['primary', 'secondary'];
const MISP_SERVERS = ['all', 'mariadb', 'shared', 'haproxy', 'node'];
const PLATFORMS = ['threatconnect', 'opencti', 'misp'];
/** The labs with their own script, and the servers each script knows. */
const PLATFORM_LABS: Record<string, { script: string; servers: string[] }> = {
  opencti: { script: 'opencti.sh', servers: OPENCTI_SERVERS },
  misp: { script: 'misp.sh', servers: MISP_SERVERS },
};

/** A platform lab's script (opencti.sh, misp.sh), with the terminal attached; returns its exit status. */
function platformSh(platform: string, args: string[]): number {
  const script = path.join(repoRoot(), 'scripts', 'lab', PLATFORM_LABS[platform].script);
  const result = spawnSync('bash', [script, ...args], { stdio: 'inherit', cwd: repoRoot() });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function checkPlatform(platform: string, server: string): boolean {
  if (!PLATFORMS.includes(platform))
    throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}, got "${platform}"`);
  const lab = PLATFORM_LABS[platform];
  if (!lab) return false;
  if (!lab.servers.includes(server))
    throw new UsageError(`server of the ${platform} lab must be one of ${lab.servers.join(', ')}, got "${server}"`);
  return true;
}
const platformOption = [
  '-p, --platform <platform>',
  'whose lab: threatconnect (MariaDB, PostgreSQL, OpenSearch, the stand-in app), opencti or misp',
  'threatconnect',
] as const;

/** Runs lab.sh with the terminal attached; returns its exit status. */
function labSh(args: string[]): number {
  const script = path.join(repoRoot(), 'scripts', 'lab', 'lab.sh');
  const result = spawnSync('bash', [script, ...args], { stdio: 'inherit', cwd: repoRoot() });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function checkServer(server: string): void {
  if (!SERVERS.includes(server)) throw new UsageError(`server must be one of ${SERVERS.join(', ')}, got "${server}"`);
}
function checkSite(site: string): void {
  if (!SITES.includes(site)) throw new UsageError(`site must be primary or secondary, got "${site}"`);
}

export function registerLabCommands(program: Command): void {
  const lab = program
    .command('lab')
    .description(
      'the local lab: real MariaDB, PostgreSQL and OpenSearch servers per site, and the stand-in app, started as the lab plans start them',
    );

  lab
    .command('up')
    .description('start the lab (creating it on first use) and wait until it serves; says loudly what failed')
    .argument(
      '[server]',
      'all | mariadb | postgres | opensearch | app (opencti: kubernetes | redis | rabbitmq | opensearch | s3 | platform; misp: mariadb | shared | haproxy | node)',
      'all',
    )
    .option(...platformOption)
    .action((server: string, options: { platform: string }) => {
      if (checkPlatform(options.platform, server)) {
        process.exitCode = platformSh(options.platform, ['up', server]);
        return;
      }
      checkServer(server);
      process.exitCode = labSh(['up', server]);
    });

  lab
    .command('down')
    .description('stop the lab cleanly')
    .argument(
      '[server]',
      'all | mariadb | postgres | opensearch | app (opencti: kubernetes | redis | rabbitmq | opensearch | s3 | platform; misp: mariadb | shared | haproxy | node)',
      'all',
    )
    .option(...platformOption)
    .action((server: string, options: { platform: string }) => {
      if (checkPlatform(options.platform, server)) {
        process.exitCode = platformSh(options.platform, ['down', server]);
        return;
      }
      checkServer(server);
      process.exitCode = labSh(['down', server]);
    });

  lab
    .command('status')
    .description('one line per server: up/down, role, replication; exits 1 if any is down')
    .argument(
      '[server]',
      'all | mariadb | postgres | opensearch | app (opencti: kubernetes | redis | rabbitmq | opensearch | s3 | platform; misp: mariadb | shared | haproxy | node)',
      'all',
    )
    .option(...platformOption)
    .action((server: string, options: { platform: string }) => {
      if (checkPlatform(options.platform, server)) {
        process.exitCode = platformSh(options.platform, ['status', server]);
        return;
      }
      checkServer(server);
      process.exitCode = labSh(['status', server]);
    });

  for (const verb of ['start', 'stop', 'kill'] as const) {
    lab
      .command(verb)
      .description(
        verb === 'kill' ? "hard-kill one site's server (SIGKILL), as in a crash" : `${verb} one site's server`,
      )
      .argument(
        '<server>',
        'mariadb | postgres | opensearch | app (opencti: kubernetes | redis | rabbitmq | opensearch | s3 | platform; misp: mariadb | shared | haproxy | node)',
      )
      .argument('<site>', 'primary | secondary')
      .option(...platformOption)
      .action((server: string, site: string, options: { platform: string }) => {
        checkSite(site);
        if (checkPlatform(options.platform, server)) {
          if (server === 'all') throw new UsageError('name one server');
          process.exitCode = platformSh(options.platform, [verb, server, site]);
          return;
        }
        checkServer(server);
        if (server === 'all') throw new UsageError('name one server');
        process.exitCode = labSh([verb, server, site]);
      });
  }

  lab
    .command('disaster')
    .description(
      "lose the primary site at once: SIGKILL every primary-site server process of the lab (no graceful stop, no fence), names what it killed and what is one thing for both sites and stays up, and records the loss time in the lab's data folder (site-loss.json)",
    )
    .option(...platformOption)
    .option(
      '--unreplicated <seconds>',
      "stop the secondary's MariaDB replication this many seconds before the kill: the primary's writes meanwhile are acknowledged and never replicated (threatconnect, misp)",
    )
    .action((options: { platform: string; unreplicated?: string }) => {
      checkPlatform(options.platform, 'all');
      if (options.unreplicated !== undefined && !/^\d+$/.test(options.unreplicated))
        throw new UsageError(`--unreplicated takes whole seconds, such as 5; got "${options.unreplicated}"`);
      const args = ['disaster', ...(options.unreplicated ? ['--unreplicated', options.unreplicated] : [])];
      process.exitCode = PLATFORM_LABS[options.platform] ? platformSh(options.platform, args) : labSh(args);
    });

  lab
    .command('return')
    .description(
      "the lost site comes back: starts the servers `lab disaster` killed with their normal start, on their old data, as after a power cut (fencing on return is their own configuration, or the drill's reprotect)",
    )
    .option(...platformOption)
    .action((options: { platform: string }) => {
      checkPlatform(options.platform, 'all');
      process.exitCode = PLATFORM_LABS[options.platform] ? platformSh(options.platform, ['return']) : labSh(['return']);
    });

  lab
    .command('rewind')
    .description("make a site's PostgreSQL node a standby of the other site's primary (pg_rewind)")
    .argument('<site>', 'primary | secondary')
    .action((site: string) => {
      checkSite(site);
      process.exitCode = labSh(['rewind', 'postgres', site]);
    });
}
