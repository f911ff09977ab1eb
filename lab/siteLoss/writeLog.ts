/**
 * The load client's log: one JSON line per write it tried, acknowledged or not. It is the client's
 * own truth of a site loss (what the service told it), judged afterwards against what the new side
 * holds (clientTruth.ts).
 */
import { appendFileSync, readFileSync } from 'node:fs';

export interface WriteRecord {
  /** 1, 2, 3… in the order the client sent them. */
  seq: number;
  /** The write's own name (an indicator's value, a key), unique within the run: what the new side is asked for. */
  id: string;
  /** Epoch ms the client sent it (its first attempt). */
  sentAt: number;
  /** Epoch ms the service acknowledged it; absent when no site did. */
  ackedAt?: number;
  /** The site whose server acknowledged it (or the last one tried when none did). */
  site?: string;
  ok: boolean;
  /** Why no site acknowledged it, one line per site tried. */
  error?: string;
}

export function appendWrite(file: string, record: WriteRecord): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** The log as written; a torn last line (the client killed mid-write) is left out, never guessed at. */
export function readWriteLog(file: string): WriteRecord[] {
  const records: WriteRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as WriteRecord);
    } catch {
      // Only the last line can be torn; anything after it would also have failed to parse.
    }
  }
  return records;
}
