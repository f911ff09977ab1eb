/** `drillbook worker` and `drillbook server`. */
import path from 'node:path';
import type { Command } from 'commander';
import { keptBuilds, runKeptBuildWorker } from '../builds';
import { dataDir } from '../../store/config';
import { currentBuild } from '../temporal/buildId';
import { startCluster } from '../temporal/cluster';
import { startDevServer } from '../temporal/server';
import { portOption } from '../commandLine';
import { runWorker } from '../worker';

export function registerRuntimeCommands(program: Command): void {
  program
    .command('worker')
    .description(
      'run a worker (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DRILLBOOK_TASK_QUEUE, DRILLBOOK_PLANS_DIR, DRILLBOOK_DEPLOYMENT, DRILLBOOK_BUILD_ID)',
    )
    .option(
      '--promote',
      "make this worker's build the current version: new drills start on it (drills pinned to older builds stay there)",
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics on /metrics (or DRILLBOOK_METRICS_PORT; host DRILLBOOK_METRICS_HOST, default 127.0.0.1)',
    )
    .option(
      '--build <id>',
      `run a kept build's worker (builds/<id>/, kept by \`npm run build\`), to serve drills pinned to it; kept now: ${keptBuilds().join(', ') || 'none'}`,
    )
    .action(async (options: { promote?: boolean; metricsPort?: string; build?: string }) => {
      if (options.build && options.build !== currentBuild().buildId) {
        const args = [
          ...(options.promote ? ['--promote'] : []),
          ...(options.metricsPort ? ['--metrics-port', options.metricsPort] : []),
        ];
        process.exitCode = await runKeptBuildWorker(options.build, args);
        return;
      }
      await runWorker({ promote: options.promote, metricsPort: options.metricsPort });
    });

  program
    .command('server')
    .description(
      'run the Temporal dev server in the foreground, with a SQLite file so drills survive restarts; or, with --cluster, a Temporal cluster as in production (PostgreSQL, frontend, two history hosts, matching, internal worker; mTLS)',
    )
    .option('--port <port>', 'frontend port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--headless', 'no Web UI')
    .option('--db <file>', 'SQLite file', path.join(dataDir(), 'temporal.db'))
    .option(
      '--cluster',
      'start the cluster instead (scripts/install-temporal-server.sh builds it once): its ports run from the frontend port - 1 (PostgreSQL) up',
    )
    .option(
      '--dir <dir>',
      "the cluster's folder (database, certificates, config, logs)",
      path.join(dataDir(), 'cluster'),
    )
    .action(
      async (options: {
        port: string;
        uiPort: string;
        headless?: boolean;
        db: string;
        cluster?: boolean;
        dir: string;
      }) => {
        const port = portOption('server', options.port, 'port', 7233);
        if (options.cluster) {
          await runCluster(options.dir, port);
          return;
        }
        const server = await startDevServer({
          port,
          uiPort: Number(options.uiPort),
          headless: options.headless,
          dbFile: options.db,
        });
        console.log(
          `Temporal dev server on ${server.address}${options.headless ? '' : `, Web UI on http://127.0.0.1:${options.uiPort}`}, data in ${options.db}`,
        );
        const stop = () => void server.stop().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
      },
    );
}

/** `drillbook server --cluster`: runs until SIGINT/SIGTERM, then stops every process it started. */
async function runCluster(dir: string, frontendPort: number): Promise<void> {
  // Interrupted while it starts: exit, and the cluster's exit hook kills what it had started.
  const early = () => process.exit(130);
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  const cluster = await startCluster({ dir, basePort: frontendPort - 1 });
  process.removeListener('SIGINT', early);
  process.removeListener('SIGTERM', early);
  console.log(
    `Temporal cluster on ${cluster.address} (mutual TLS), namespace ${cluster.namespace}, data in ${cluster.dir}`,
  );
  console.log(
    `processes: ${cluster.layout.processes.map((p) => `${p.name} :${p.grpcPort}`).join(', ')}, PostgreSQL :${cluster.layout.postgresPort}; logs in ${path.join(cluster.dir, 'logs')}`,
  );
  console.log(`a worker or the CLI connects with these settings (source ${path.join(cluster.dir, 'env')}):`);
  for (const [key, value] of Object.entries(cluster.env)) console.log(`  ${key}=${value}`);
  await new Promise<void>((resolve) => {
    const stop = () => void cluster.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
