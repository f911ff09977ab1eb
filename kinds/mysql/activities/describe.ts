/** A node as the report shows it: the facts without noise, and the phrases its sentences use. */
import type { NodeState } from './inspect';

export function nodeFacts(s: NodeState): Record<string, unknown> {
  if (!s.reachable) return { site: s.site, name: s.name, endpoint: s.endpoint, reachable: false, error: s.error };
  return {
    site: s.site,
    name: s.name,
    endpoint: s.endpoint,
    reachable: true,
    version: s.version,
    serverId: s.serverId,
    writable: !s.readOnly,
    readOnly: s.readOnly,
    superReadOnly: s.superReadOnly,
    autoIncrement: { increment: s.autoIncrementIncrement, offset: s.autoIncrementOffset },
    gtidDomainId: s.gtidDomainId,
    gtidPosition: s.gtidPosition,
    binlog: s.binlogFile ? `${s.binlogFile}:${s.binlogPosition}` : undefined,
    replication: s.replica && {
      configured: s.replica.configured,
      healthy: s.replica.healthy,
      problem: s.replica.problem,
      io: s.replica.ioRunning,
      sql: s.replica.sqlRunning,
      lagSeconds: s.replica.lagSeconds,
      source: s.replica.sourceHost ? `${s.replica.sourceHost}:${s.replica.sourcePort}` : undefined,
      usingGtid: s.replica.usingGtid,
      lastIoErrno: s.replica.lastIoErrno,
      lastSqlErrno: s.replica.lastSqlErrno,
    },
  };
}

/** "writable", "read-only" or "unreachable (ECONNREFUSED)". */
export const role = (s: NodeState): string =>
  !s.reachable ? `unreachable (${s.error})` : s.readOnly ? 'read-only' : 'writable';

/** "replication healthy, lag 0s", "replication SQL thread No", or "replication unknown". */
export const replicationPhrase = (s: NodeState): string =>
  !s.reachable || !s.replica
    ? 'replication unknown'
    : s.replica.healthy
      ? `replication healthy, lag ${s.replica.lagSeconds}s`
      : `replication ${s.replica.problem}`;
