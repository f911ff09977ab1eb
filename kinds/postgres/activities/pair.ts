/** Whether a primary + standby pair is safe to drill: one primary, the other streaming from it, both rewindable. */
import { type PgNode, streamsFrom } from './inspect';
import type { PostgresArgs } from '../actions';

/** What makes the pair unsafe to drill; empty when it is fine. */
export function pairProblems(args: PostgresArgs, p: PgNode, s: PgNode): string[] {
  const problems: string[] = [];
  for (const n of [p, s]) if (!n.reachable) problems.push(`${n.name} unreachable (${n.error})`);
  if (!p.reachable || !s.reachable) return problems;
  const primaries = [p, s].filter((n) => !n.inRecovery);
  if (primaries.length !== 1)
    problems.push(
      primaries.length === 0 ? 'no primary: both nodes are in recovery' : 'TWO PRIMARIES: both nodes accept writes',
    );
  else {
    const primary = primaries[0];
    const standby = primary === p ? s : p;
    if (!streamsFrom(args, standby, primary.site))
      problems.push(
        `${standby.name} does not stream from ${primary.name} (receiver ${standby.receiver?.status ?? 'not running'})`,
      );
  }
  for (const n of [p, s])
    if (!n.walLogHints && !n.dataChecksums)
      problems.push(`${n.name} has neither wal_log_hints nor data checksums: pg_rewind cannot re-protect it`);
  return problems;
}
