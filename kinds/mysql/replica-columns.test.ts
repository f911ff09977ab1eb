/**
 * Replica status is read by column name, so MySQL 8's Replica_* / Source_* names (not runnable
 * here: MySQL is not in Debian) work as well as MariaDB's Slave_* / Master_*. Rows below are
 * recorded shapes; the MariaDB ones were seen on 10.11, the MySQL ones follow MySQL 8.0.22+.
 */
import { mariaReached, mariaWaitList } from './activities/gtid';
import type { NodeState } from './activities/inspect';
import { pairProblems } from './activities/pair';
import { normalizeReplicaRow } from './activities/replicaStatus';

const mysql8Healthy = {
  Replica_IO_State: 'Waiting for source to send event',
  Source_Host: '10.0.2.11',
  Source_User: 'repl',
  Source_Port: 3306,
  Connect_Retry: 60,
  Source_Log_File: 'binlog.000042',
  Read_Source_Log_Pos: 157,
  Relay_Log_File: 'relay.000007',
  Relay_Log_Pos: 373,
  Relay_Source_Log_File: 'binlog.000042',
  Replica_IO_Running: 'Yes',
  Replica_SQL_Running: 'Yes',
  Last_Errno: 0,
  Last_Error: '',
  Exec_Source_Log_Pos: 157,
  Seconds_Behind_Source: 0,
  Last_IO_Errno: 0,
  Last_IO_Error: '',
  Last_SQL_Errno: 0,
  Last_SQL_Error: '',
  Source_Server_Id: 1,
  Source_UUID: '3e11fa47-71ca-11e1-9e33-c80aa9429562',
  Retrieved_Gtid_Set: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5',
  Executed_Gtid_Set: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5',
  Auto_Position: 1,
};

const mariaHealthy = {
  Slave_IO_State: 'Waiting for master to send event',
  Master_Host: '127.0.0.1',
  Master_User: 'repl',
  Master_Port: 3326,
  Master_Log_File: 'node2-bin.000001',
  Read_Master_Log_Pos: 474,
  Relay_Master_Log_File: 'node2-bin.000001',
  Slave_IO_Running: 'Yes',
  Slave_SQL_Running: 'Yes',
  Exec_Master_Log_Pos: 474,
  Seconds_Behind_Master: 0,
  Last_IO_Errno: 0,
  Last_IO_Error: '',
  Last_SQL_Errno: 0,
  Last_SQL_Error: '',
  Master_Server_Id: 2,
  Using_Gtid: 'Slave_Pos',
  Gtid_IO_Pos: '1-1-3,2-2-1',
};

test('MySQL 8 Replica_*/Source_* columns are read by name', () => {
  const s = normalizeReplicaRow(mysql8Healthy);
  expect(s).toMatchObject({
    configured: true,
    healthy: true,
    ioRunning: 'Yes',
    sqlRunning: 'Yes',
    lagSeconds: 0,
    sourceHost: '10.0.2.11',
    sourcePort: 3306,
    sourceLogFile: 'binlog.000042',
    readSourceLogPos: 157,
    execSourceLogPos: 157,
    usingGtid: 'Auto_Position',
    receivedGtids: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5',
  });
});

test('MariaDB Slave_*/Master_* columns give the same shape', () => {
  expect(normalizeReplicaRow(mariaHealthy)).toMatchObject({
    healthy: true,
    sourcePort: 3326,
    lagSeconds: 0,
    usingGtid: 'Slave_Pos',
    receivedGtids: '1-1-3,2-2-1',
  });
});

test('column order does not matter: a reversed row reads the same', () => {
  const reversed = Object.fromEntries(Object.entries(mysql8Healthy).reverse());
  expect(normalizeReplicaRow(reversed)).toEqual(normalizeReplicaRow(mysql8Healthy));
});

test('"Connecting" with a 1045 is broken, not healthy (healthy means exactly "Yes")', () => {
  const s = normalizeReplicaRow({
    ...mysql8Healthy,
    Replica_IO_Running: 'Connecting',
    Seconds_Behind_Source: null,
    Last_IO_Errno: 1045,
    Last_IO_Error: "error connecting to source 'repl@10.0.2.11:3306' - Access denied",
  });
  expect(s.healthy).toBe(false);
  expect(s.lagSeconds).toBeNull();
  expect(s.problem).toMatch(/^IO thread Connecting \(error 1045: error connecting to source/);
});

test('a stopped SQL thread (lag NULL) is broken', () => {
  const s = normalizeReplicaRow({ ...mariaHealthy, Slave_SQL_Running: 'No', Seconds_Behind_Master: null });
  expect(s).toMatchObject({ healthy: false, problem: 'SQL thread No', lagSeconds: null });
});

test('no row means "not a replica", never healthy', () => {
  expect(normalizeReplicaRow(undefined)).toMatchObject({
    configured: false,
    healthy: false,
    problem: 'no replication configured',
  });
});

test("MariaDB GTID wait list drops the candidate's own domain writes", () => {
  expect(mariaWaitList('1-1-7,2-2-3', 2)).toBe('1-1-7');
  expect(mariaWaitList('1-1-7,2-2-3', 1)).toBe('2-2-3');
  expect(mariaWaitList('', 1)).toBe('');
  expect(mariaReached('1-1-7,2-2-3', '1-1-7')).toBe(true);
  expect(mariaReached('1-1-6,2-2-3', '1-1-7')).toBe(false);
  expect(mariaReached('2-2-3', '1-1-1')).toBe(false);
});

const node = (over: Partial<NodeState>): NodeState => ({
  site: 'primary',
  name: 'dc1',
  endpoint: 'x:1',
  reachable: true,
  flavor: 'mariadb',
  serverId: 1,
  readOnly: false,
  autoIncrementIncrement: 2,
  autoIncrementOffset: 1,
  gtidDomainId: 1,
  replica: normalizeReplicaRow(mariaHealthy),
  ...over,
});

test('auto_increment collisions, shared server ids and GTID domains, and two writers are preflight problems', () => {
  const ok = pairProblems(
    node({}),
    node({ site: 'secondary', name: 'dc2', serverId: 2, readOnly: true, autoIncrementOffset: 2, gtidDomainId: 2 }),
  );
  expect(ok).toEqual([]);
  const bad = pairProblems(
    node({ autoIncrementIncrement: 1 }),
    node({ site: 'secondary', name: 'dc2', autoIncrementIncrement: 1 }),
  );
  expect(bad).toEqual(
    expect.arrayContaining([
      'both nodes have server_id 1',
      'auto_increment_increment is 1/1: two writers would hand out the same ids (needs >= 2)',
      'both nodes have auto_increment_offset 1: ids collide',
      'both nodes use gtid_domain_id 1; each writer of a multi-primary pair needs its own domain',
      'both nodes are writable',
    ]),
  );
});
