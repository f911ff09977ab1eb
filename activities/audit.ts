/** The audit activity: a refusal the workflow decided itself, appended to its target's audit trail on the worker's disk. */
import { log } from '@temporalio/activity';
import { appendAudit } from '../store/auditTrail';
import type { AuditEntry } from '../domain';

export function createAuditActivities(deps: { auditDir: string }) {
  return {
    async auditRefusal(entry: AuditEntry): Promise<void> {
      const kept = await appendAudit(deps.auditDir, entry);
      if (kept === 'trail-full') log.warn(`the audit trail of ${entry.target} is full; refusal only logged`, { entry });
    },
  };
}
