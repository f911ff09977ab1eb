/** A node as the report shows it: the facts without noise, and the phrase its sentences use. */
import type { PgNode } from './inspect';

export function pgFacts(n: PgNode): Record<string, unknown> {
  if (!n.reachable) return { site: n.site, name: n.name, endpoint: n.endpoint, reachable: false, error: n.error };
  return {
    site: n.site,
    name: n.name,
    endpoint: n.endpoint,
    reachable: true,
    version: n.version,
    role: n.inRecovery ? 'standby' : 'primary',
    timeline: n.timeline,
    lsn: n.lsn,
    receiveLsn: n.receiveLsn,
    applyBacklogBytes: n.applyBacklogBytes,
    receiver: n.receiver,
    standbys: n.standbys,
    walLogHints: n.walLogHints,
    dataChecksums: n.dataChecksums,
    defaultTransactionReadOnly: n.defaultReadOnly,
  };
}

/** "a primary", "a standby", "a primary fenced read-only" or "unreachable (ECONNREFUSED)". */
export const roleOf = (n: PgNode): string =>
  !n.reachable
    ? `unreachable (${n.error})`
    : n.inRecovery
      ? 'a standby'
      : n.defaultReadOnly
        ? 'a primary fenced read-only'
        : 'a primary';
