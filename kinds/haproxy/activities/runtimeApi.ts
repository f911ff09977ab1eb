/**
 * HAProxy's runtime API (the `stats socket`, level admin): one command per connection, the answer
 * read until HAProxy closes it. Servers are read from `show stat` (status and check as the checks
 * see them, sessions) and `show servers state` (the admin state: ready, drain, maint).
 */
import net from 'node:net';
import { ApplicationFailure } from '@temporalio/common';

const COMMAND_TIMEOUT_MS = 5000;
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export type AdminState = 'ready' | 'drain' | 'maint';

export interface ServerState {
  name: string;
  /** As `show stat` says: UP, DOWN, "UP 1/3" (going down), "DOWN 1/2" (going up), DRAIN, MAINT, NOLB, "no check". */
  status: string;
  /** The last check's result (L7OK, L4CON, L7STS…), without the "* " of a check in progress. */
  checkStatus: string;
  checkCode?: number;
  /** Current sessions on the server. */
  sessions: number;
  admin: AdminState;
}

function connectTo(socket: string): net.Socket {
  const address = socket.replace(/^ipv4@/, '');
  if (address.startsWith('/')) return net.createConnection({ path: address });
  const colon = address.lastIndexOf(':');
  return net.createConnection({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
}

/** Sends one command and returns HAProxy's whole answer. Connection errors say where the socket was looked for. */
export function runtimeCommand(socket: string, command: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = connectTo(socket);
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(
      () => connection.destroy(new Error(`no answer to "${command}" within ${timeoutMs}ms`)),
      timeoutMs,
    );
    connection.on('connect', () => connection.end(`${command}\n`));
    connection.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES)
        connection.destroy(new Error(`answer to "${command}" is larger than ${MAX_ANSWER_BYTES} bytes`));
      else chunks.push(chunk);
    });
    connection.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
          ? `nothing answers at ${socket} (${error.code}): is HAProxy running with "stats socket ${socket} level admin"?`
          : error.message;
      reject(ApplicationFailure.retryable(`HAProxy runtime API: ${why}`, 'HaproxyUnreachable'));
    });
    connection.on('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Parses `show stat` CSV: the header line starts with "# ". */
export function parseStat(csv: string): Record<string, string>[] {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines.shift();
  if (!header?.startsWith('# '))
    throw ApplicationFailure.retryable(
      `HAProxy answered "show stat" with something that is not its CSV: ${csv.slice(0, 200)}`,
      'HaproxyUnexpectedAnswer',
    );
  const names = header.slice(2).split(',');
  return lines.map((line) => {
    const values = line.split(',');
    return Object.fromEntries(names.map((name, i) => [name, values[i] ?? '']));
  });
}

/** srv_admin_state bits (HAProxy's SRV_ADMF_*): forced, inherited, configured, resolution and health maintenance; forced and inherited drain. */
const MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
const DRAIN_BITS = 0x08 | 0x10;

export function adminStateOf(bits: number): AdminState {
  if (bits & MAINT_BITS) return 'maint';
  if (bits & DRAIN_BITS) return 'drain';
  return 'ready';
}

/** Says a misconfiguration (unknown backend or server) as a non-retryable failure a person can act on. */
function refuseUnknown(answer: string, what: string): void {
  const text = answer.trim();
  if (/No such (backend|server)|Can't find backend/i.test(text)) {
    throw ApplicationFailure.nonRetryable(
      `HAProxy has ${text.replace(/\.$/, '').toLowerCase()} for ${what}: check the plan's backend and server names against haproxy.cfg`,
      'HaproxyMisconfigured',
    );
  }
}

/** Every server of a backend, as its checks and its admin state say now. */
export async function backendServers(socket: string, backend: string): Promise<Map<string, ServerState>> {
  const admin = await runtimeCommand(socket, `show servers state ${backend}`);
  refuseUnknown(admin, `backend "${backend}"`);
  const adminOf = new Map<string, AdminState>();
  for (const line of admin.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ...
    if (fields.length > 6 && fields[1] === backend && /^\d+$/.test(fields[0]))
      adminOf.set(fields[3], adminStateOf(Number(fields[6])));
  }
  const rows = parseStat(await runtimeCommand(socket, 'show stat'));
  const servers = new Map<string, ServerState>();
  for (const row of rows) {
    if (row.pxname !== backend || row.svname === 'FRONTEND' || row.svname === 'BACKEND') continue;
    servers.set(row.svname, {
      name: row.svname,
      status: row.status,
      checkStatus: row.check_status.replace(/^\*\s*/, ''),
      checkCode: row.check_code ? Number(row.check_code) : undefined,
      sessions: Number(row.scur || 0),
      admin: adminOf.get(row.svname) ?? 'ready',
    });
  }
  if (!rows.some((row) => row.pxname === backend)) {
    throw ApplicationFailure.nonRetryable(
      `HAProxy has no backend "${backend}": check the plan's backend against haproxy.cfg`,
      'HaproxyMisconfigured',
    );
  }
  return servers;
}

/** `set server <backend>/<server> state ready|drain|maint`; HAProxy answers nothing when it took it. */
export async function setAdminState(socket: string, backend: string, server: string, state: AdminState): Promise<void> {
  const answer = await runtimeCommand(socket, `set server ${backend}/${server} state ${state}`);
  refuseUnknown(answer, `${backend}/${server}`);
  if (answer.trim() !== '')
    throw ApplicationFailure.retryable(
      `HAProxy refused "set server ${backend}/${server} state ${state}": ${answer.trim()}`,
      'HaproxyRefused',
    );
}

/** Taking traffic: admin ready and its checks UP (not "UP 1/3", which is going down). "no check" cannot tell, so it is not UP. */
export const isServing = (s: ServerState): boolean => s.admin === 'ready' && s.status === 'UP';

/** Out of rotation: drained or in maintenance by the admin, or down by its checks. */
export const isOut = (s: ServerState): boolean => s.admin !== 'ready' || /^(DOWN|MAINT|DRAIN|NOLB)/.test(s.status);

export const describe = (s: ServerState): string =>
  `${s.name} ${s.status}${s.admin === 'ready' ? '' : ` (${s.admin})`}${s.checkStatus ? ` check ${s.checkStatus}` : ''}${s.sessions ? `, ${s.sessions} session(s)` : ''}`;
