/**
 * Prometheus metrics of a worker process: the Temporal SDK's own (workflow and activity task
 * latencies, poller counts, sticky cache…) and Drillbook's drill metrics (workflows/metrics.ts), on
 * one `/metrics` endpoint served by the SDK's runtime. Installed once per process, before any
 * connection is made.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

/** `--metrics-port`, else DRILLBOOK_METRICS_PORT; bound to DRILLBOOK_METRICS_HOST (127.0.0.1 unless set, e.g. 0.0.0.0 for a scraper elsewhere). */
export function metricsAddress(port: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = port ?? env.DRILLBOOK_METRICS_PORT;
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535)
    throw new Error(`metrics port must be a number from 1 to 65535, got "${value}"`);
  return `${env.DRILLBOOK_METRICS_HOST ?? '127.0.0.1'}:${number}`;
}

export function installMetrics(bindAddress: string): void {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true } } },
  });
}
