/** A drill's share of its target's audit trail: what was refused before reaching it while it ran. */
import { entriesBetween, readAudit } from './auditTrail';
import type { AuditEntry, DrillRecord } from '../domain';

/** A trail that cannot be read leaves the section empty; a report is never held up by it. */
export async function auditOfDrill(
  auditDir: string,
  record: DrillRecord,
  now = new Date().toISOString(),
): Promise<AuditEntry[]> {
  const trail = await readAudit(auditDir, record.target).catch(() => ({ entries: [] }));
  return entriesBetween(trail.entries, record.startedAt, record.endedAt ?? now);
}
