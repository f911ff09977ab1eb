/**
 * The audit trail on disk: one JSON line per refusal, one file per target under the audit folder
 * (DRILLBOOK_AUDIT_DIR, else <data dir>/audit), only ever appended to and synced before the refuser
 * answers. Written by whoever refused: the CLI (a second start), the Slack endpoint (a forged, stale
 * or replayed request, a stranger's click) and the worker (a start under a wrong workflow ID).
 */
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { dataDir } from './config';
import { type AuditEntry, TARGET_PATTERN } from '../domain';

/** A trail stops growing here: a flood of forged requests cannot fill the disk. Later refusals are only logged. */
export const MAX_TRAIL_BYTES = 4 * 1024 * 1024;
/** Requests a forger writes are cut to this per field, so one line stays small. */
const MAX_FIELD = 600;
/** Where refusals that name no known target go (a forged request naming nothing, or a target with no drill). */
export const UNATTRIBUTED = '_unattributed';

export const defaultAuditDir = (env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(env.DRILLBOOK_AUDIT_DIR ?? path.join(dataDir(env), 'audit'));

/** A trail's file: a target's own, or the unattributed one for anything that is not a valid target name. */
export function trailFile(dir: string, target: string): string {
  return path.join(dir, `${TARGET_PATTERN.test(target) ? target : UNATTRIBUTED}.jsonl`);
}

const cut = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : value.length > MAX_FIELD ? `${value.slice(0, MAX_FIELD)}…` : value;

export type Appended = 'kept' | 'trail-full';

/** Appends one refusal and syncs it to disk before returning. */
export async function appendAudit(dir: string, entry: AuditEntry): Promise<Appended> {
  await mkdir(dir, { recursive: true });
  const target = TARGET_PATTERN.test(entry.target) ? entry.target : UNATTRIBUTED;
  const line = `${JSON.stringify({ ...entry, target, by: cut(entry.by), reason: cut(entry.reason), workflowId: cut(entry.workflowId), from: cut(entry.from) })}\n`;
  const file = await open(trailFile(dir, target), 'a', 0o640);
  try {
    if ((await file.stat()).size + Buffer.byteLength(line) > MAX_TRAIL_BYTES) return 'trail-full';
    // One write of a small line to a file opened for appending: lines of concurrent writers never interleave.
    await file.write(line);
    await file.sync();
    return 'kept';
  } finally {
    await file.close();
  }
}

export interface Trail {
  entries: AuditEntry[];
  /** The trail reached its size limit: refusals after the last entry were only logged. */
  full: boolean;
}

/** A target's trail, oldest first; a line torn by a crash mid-write is passed over. */
export async function readAudit(dir: string, target: string): Promise<Trail> {
  const file = trailFile(dir, target);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], full: false };
    throw error;
  }
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      // A torn last line (a crash mid-write): what was synced before it stands.
    }
  }
  const size = (await stat(file)).size;
  return { entries, full: size > MAX_TRAIL_BYTES - 4 * 1024 };
}

/** The entries of a trail from `from` to `to` (ISO times): what a drill's report shows beside its own refusals. */
export const entriesBetween = (entries: AuditEntry[], from: string, to?: string): AuditEntry[] =>
  entries.filter((e) => e.at >= from && (to === undefined || e.at <= to));
