/** `drillbook worker` and `drillbook server`. */
import path from 'node:path';
import type { Command } from 'commander';
import { keptBuilds, runKeptBuildWorker } from '../builds';
import { dataDir } from '../../store/config';
import { currentBuild } from '../temporal/buildId';
import { startDevServer } from '../temporal/server';
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
    .description('run the Temporal dev server in the foreground, with a SQLite file so drills survive restarts')
    .option('--port <port>', 'frontend port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--headless', 'no Web UI')
    .option('--db <file>', 'SQLite file', path.join(dataDir(), 'temporal.db'))
    .action(async (options: { port: string; uiPort: string; headless?: boolean; db: string }) => {
      const server = await startDevServer({
        port: Number(options.port),
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
    });
}
