/**
 * Fencing a writer: read_only (MySQL: super_read_only) so no ordinary session can write, the plan's
 * app sessions killed, and a list of the sessions that could still write (MariaDB: holders of
 * READ_ONLY ADMIN). And undoing it: making a node writable.
 */
import { type NodeState, refreshPosition } from './inspect';
import { type Conn, type Row, query } from './sql';

export interface FenceResult {
  alreadyFenced: boolean;
  /** Sessions that can still write after read_only (MariaDB: holders of READ_ONLY ADMIN). */
  sessionsThatCanStillWrite: { id: number; user: string; host: string; command: string }[];
  privilegesVisible: boolean;
  killed: { id: number; user: string }[];
}

export async function fence(
  conn: Conn,
  node: NodeState,
  killSessionsOf: string[],
  drillUser: string,
): Promise<FenceResult> {
  const alreadyFenced = node.flavor === 'mysql' ? node.superReadOnly === true : node.readOnly === true;
  if (!alreadyFenced) {
    // read_only waits for commits in flight and explicit locks: bound that wait.
    await query(conn, 'SET SESSION lock_wait_timeout = 10');
    await query(conn, node.flavor === 'mysql' ? 'SET GLOBAL super_read_only = ON' : 'SET GLOBAL read_only = ON');
    node.readOnly = true;
    if (node.flavor === 'mysql') node.superReadOnly = true;
  }
  const sessions = await query(
    conn,
    `SELECT ID AS id, USER AS user, HOST AS host, COMMAND AS command FROM information_schema.PROCESSLIST
      WHERE ID <> CONNECTION_ID() AND USER NOT IN ('system user', 'event_scheduler', 'repl')
        AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Slave_IO', 'Slave_SQL', 'Slave_worker', 'Daemon')`,
  );
  const killed: FenceResult['killed'] = [];
  for (const s of sessions) {
    if (killSessionsOf.includes(String(s.user))) {
      await query(conn, `KILL CONNECTION ${Number(s.id)}`).catch(() => undefined);
      killed.push({ id: Number(s.id), user: String(s.user) });
    }
  }
  let privilegesVisible = true;
  let writers: Row[] = [];
  if (node.flavor === 'mariadb') {
    // USER_PRIVILEGES lists other accounts only when the drill account may read mysql.*.
    const holders = await query(
      conn,
      "SELECT DISTINCT GRANTEE AS g FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'READ_ONLY ADMIN'",
    );
    const users = new Set(holders.map((h) => String(h.g).replace(/^'([^']*)'@.*$/, '$1')));
    privilegesVisible = [...users].some((u) => u !== drillUser);
    writers = sessions.filter(
      (s) => (users.has(String(s.user)) || !privilegesVisible) && !killed.some((k) => k.id === Number(s.id)),
    );
  }
  // The position to wait for is the one after the fence: nothing can be added to it any more.
  await refreshPosition(conn, node);
  return {
    alreadyFenced,
    sessionsThatCanStillWrite: writers.map((s) => ({
      id: Number(s.id),
      user: String(s.user),
      host: String(s.host),
      command: String(s.command),
    })),
    privilegesVisible,
    killed,
  };
}

export async function makeWritable(conn: Conn, node: NodeState): Promise<void> {
  if (node.flavor === 'mysql') await query(conn, 'SET GLOBAL super_read_only = OFF');
  await query(conn, 'SET GLOBAL read_only = OFF');
  node.readOnly = false;
  node.superReadOnly = false;
}
