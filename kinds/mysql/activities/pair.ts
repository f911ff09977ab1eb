/** Whether a master-master pair is safe to drill: both up, ids that cannot collide, replication both ways, one writer. */
import type { NodeState } from './inspect';

/** What makes the pair unsafe to drill; empty when it is fine. */
export function pairProblems(p: NodeState, s: NodeState): string[] {
  const problems: string[] = [];
  for (const n of [p, s]) if (!n.reachable) problems.push(`${n.name} unreachable (${n.error})`);
  if (!p.reachable || !s.reachable) return problems;
  if (p.serverId === s.serverId) problems.push(`both nodes have server_id ${p.serverId}`);
  const inc = [p.autoIncrementIncrement ?? 1, s.autoIncrementIncrement ?? 1];
  if (Math.min(...inc) < 2)
    problems.push(`auto_increment_increment is ${inc.join('/')}: two writers would hand out the same ids (needs >= 2)`);
  if (p.autoIncrementOffset === s.autoIncrementOffset)
    problems.push(`both nodes have auto_increment_offset ${p.autoIncrementOffset}: ids collide`);
  for (const n of [p, s]) {
    if ((n.autoIncrementOffset ?? 1) > (n.autoIncrementIncrement ?? 1))
      problems.push(
        `${n.name}: auto_increment_offset ${n.autoIncrementOffset} > increment ${n.autoIncrementIncrement} (offset is ignored)`,
      );
  }
  if (p.flavor === 'mariadb' && s.flavor === 'mariadb' && p.gtidDomainId === s.gtidDomainId) {
    problems.push(
      `both nodes use gtid_domain_id ${p.gtidDomainId}; each writer of a multi-primary pair needs its own domain`,
    );
  }
  for (const n of [p, s]) if (!n.replica?.healthy) problems.push(`replication into ${n.name}: ${n.replica?.problem}`);
  if (!p.readOnly && !s.readOnly) problems.push('both nodes are writable');
  if (p.readOnly && s.readOnly) problems.push('neither node is writable');
  return problems;
}
