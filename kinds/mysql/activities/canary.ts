/**
 * The canary table (`<canaryDatabase>.canary`): a row written on the old writer before a switch, and
 * the cutover marker written on the new writer as it becomes writable, with the lag it had.
 */
import { type Conn, type Row, errnoOf, num, query, str } from './sql';

export interface CanaryRow {
  id: string;
  kind: string;
  site: string;
  written_at: string;
  lag_seconds: number | null;
  note: string | null;
}

async function ensureCanaryTable(conn: Conn, db: string): Promise<void> {
  await query(conn, `CREATE DATABASE IF NOT EXISTS \`${db}\``);
  await query(
    conn,
    `CREATE TABLE IF NOT EXISTS \`${db}\`.canary (
       id VARCHAR(190) NOT NULL PRIMARY KEY,
       kind VARCHAR(16) NOT NULL,
       drill_id VARCHAR(160) NOT NULL,
       site VARCHAR(64) NOT NULL,
       written_at DATETIME(6) NOT NULL,
       lag_seconds INT NULL,
       note VARCHAR(255) NULL)`,
  );
}

const canaryRow = (r: Row): CanaryRow => ({
  id: String(r.id),
  kind: String(r.kind),
  site: String(r.site),
  written_at: String(r.written_at),
  lag_seconds: num(r.lag_seconds) ?? null,
  note: str(r.note) ?? null,
});

export async function readCanary(conn: Conn, db: string, id: string): Promise<CanaryRow | undefined> {
  try {
    const [row] = await query(
      conn,
      `SELECT id, kind, site, written_at, lag_seconds, note FROM \`${db}\`.canary WHERE id = ?`,
      [id],
    );
    return row && canaryRow(row);
  } catch (error) {
    if ([1146, 1049].includes(errnoOf(error) ?? 0)) return undefined; // no table / db yet
    throw error;
  }
}

/** Writes the row once (a second run keeps the first row and its time) and returns it as stored. */
export async function writeCanary(
  conn: Conn,
  db: string,
  row: Omit<CanaryRow, 'written_at'> & { drillId: string },
): Promise<CanaryRow> {
  await ensureCanaryTable(conn, db);
  await query(
    conn,
    `INSERT INTO \`${db}\`.canary (id, kind, drill_id, site, written_at, lag_seconds, note) VALUES (?, ?, ?, ?, NOW(6), ?, ?)
     ON DUPLICATE KEY UPDATE id = id`,
    [row.id, row.kind, row.drillId, row.site, row.lag_seconds, row.note],
  );
  const stored = await readCanary(conn, db, row.id);
  if (!stored) throw new Error(`the canary row ${row.id} is not in ${db}.canary right after it was written`);
  return stored;
}
