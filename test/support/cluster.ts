/**
 * A Temporal cluster for one test file of test/cluster/ (src/temporal/cluster.ts): its own folder and
 * ports (inside DRILLBOOK_TEST_PORTS when set), and its TEMPORAL_* settings put into process.env, so
 * testClient(), startTestWorker() and spawnWorker() connect to it over mutual TLS as an operator's
 * worker would. The file's afterAll stops it.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type Cluster } from '../../src/temporal/cluster';
import { clusterLayout } from '../../src/temporal/cluster/layout';
import { labOffsetFor } from './ports';

export async function startTestCluster(name: string): Promise<Cluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `drillbook-cluster-${name}-`));
  const size = clusterLayout(20_000).size;
  const basePort = await labOffsetFor(Array.from({ length: size }, (_, i) => i));
  const cluster = await startCluster({ dir, basePort, logLevel: 'warn' });
  Object.assign(process.env, cluster.env);
  return cluster;
}
