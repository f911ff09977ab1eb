/** GTID arithmetic on MariaDB's domain-server-seq lists ("0-1-42,1-2-7"). */

export function parseMariaGtids(list: string | undefined): Map<number, { server: number; seq: number }> {
  const map = new Map<number, { server: number; seq: number }>();
  for (const part of (list ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [domain, server, seq] = part.split('-').map(Number);
    if ([domain, server, seq].some((n) => Number.isNaN(n))) continue;
    map.set(domain, { server, seq });
  }
  return map;
}

/** The part of `target` the candidate must still apply through replication: drops what it wrote itself. */
export function mariaWaitList(target: string | undefined, candidateServerId: number): string {
  return [...parseMariaGtids(target)]
    .filter(([, g]) => g.server !== candidateServerId)
    .map(([domain, g]) => `${domain}-${g.server}-${g.seq}`)
    .join(',');
}

/** True when `have` has reached `want` in every domain of `want`. */
export function mariaReached(have: string | undefined, want: string | undefined): boolean {
  const h = parseMariaGtids(have);
  return [...parseMariaGtids(want)].every(([domain, g]) => (h.get(domain)?.seq ?? -1) >= g.seq);
}
