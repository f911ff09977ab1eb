/**
 * Where each process of the project's Temporal cluster listens, and its name: one PostgreSQL, one
 * frontend, `historyHosts` history hosts, one matching and one internal worker, every port counted up
 * from the cluster's base port, all on 127.0.0.1.
 */

export type ClusterService = 'frontend' | 'history' | 'matching' | 'worker';
export const CLUSTER_SERVICES: readonly ClusterService[] = ['frontend', 'history', 'matching', 'worker'];

export interface ServicePorts {
  /** `frontend`, `history-0`, `history-1`, `matching`, `worker`: its config file's and log's name. */
  name: string;
  service: ClusterService;
  index: number;
  grpcPort: number;
  membershipPort: number;
  /** The frontend's HTTP API (the Nexus callbacks and the Web UI's API); absent elsewhere. */
  httpPort?: number;
  /** The port that opens when the process is up: its gRPC port; the internal worker serves none, only its membership port. */
  readyPort: number;
}

export interface ClusterLayout {
  postgresPort: number;
  processes: ServicePorts[];
  /** How many ports the layout takes from the base port on. */
  size: number;
}

/** The ports a cluster with `historyHosts` history hosts takes: PostgreSQL's, then each service's. */
export function clusterLayout(basePort: number, historyHosts = 2): ClusterLayout {
  if (!Number.isInteger(historyHosts) || historyHosts < 1 || historyHosts > 8)
    throw new Error(`a cluster has 1 to 8 history hosts, not ${historyHosts}`);
  let next = basePort + 1;
  const take = (): number => next++;
  const processes: ServicePorts[] = [];
  const add = (name: string, service: ClusterService, index: number, http = false) => {
    const grpcPort = take();
    const membershipPort = take();
    const httpPort = http ? take() : undefined;
    const readyPort = service === 'worker' ? membershipPort : grpcPort;
    processes.push({ name, service, index, grpcPort, membershipPort, ...(httpPort ? { httpPort } : {}), readyPort });
  };
  add('frontend', 'frontend', 0, true);
  for (let index = 0; index < historyHosts; index++) add(`history-${index}`, 'history', index);
  add('matching', 'matching', 0);
  add('worker', 'worker', 0);
  const size = next - basePort;
  if (basePort < 1024 || basePort + size > 65536)
    throw new Error(`a cluster at base port ${basePort} needs ports ${basePort}-${basePort + size - 1}: out of range`);
  return { postgresPort: basePort, processes, size };
}
