/**
 * A server dying under a drill is the normal case, never the end of the worker. Every client an
 * activity opens (a pg Client, a mysql2 connection, a node-redis client, an amqplib connection or
 * channel, a raw socket, a child process and its pipes) is an EventEmitter that emits 'error' when
 * its server or process goes away, often with no call waiting to hear it (pg emits it after failing
 * the query; mysql2 and node-redis when the socket closes between commands). An 'error' with no
 * listener is thrown by Node as an uncaught exception and ends the process, with every step it ran.
 * guardClient keeps that error for the step instead, and says which server it came from, so the
 * step that used the server fails, retryably, naming it: the next attempt or the operator's retry
 * works once the server is back.
 */
import { ApplicationFailure } from '@temporalio/common';

/** The server a client talks to: its kind ("PostgreSQL"), its address ("127.0.0.1:5433"), and whose it is. */
export interface ServerRef {
  kind: string;
  endpoint: string;
  /** The plan's component and site, e.g. "tip-pg on dc1". */
  label?: string;
}

/** Anything that emits 'error': clients, connections, channels, sockets, child processes, streams. */
export interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface Guard {
  readonly server: ServerRef;
  /** The first 'error' the client emitted (the server went away, the socket broke), if any. */
  readonly lost: Error | undefined;
  /** "PostgreSQL tip-pg on dc1 (127.0.0.1:5433)". */
  readonly name: string;
}

/** The failure type of a step whose server went away under it: retried, then an operator decides. */
export const SERVER_LOST = 'ServerLost';

export const describeServer = (server: ServerRef): string =>
  `${server.kind}${server.label ? ` ${server.label}` : ''} (${server.endpoint})`;

/**
 * Listens for 'error' on `client` (and on any `also`, such as a child's pipes) for the rest of its
 * life, keeping the first error; the listener stays after the work ends, so a late error of a closed
 * client is heard too.
 */
export function guardClient(
  client: ErrorEmitter,
  server: ServerRef,
  ...also: (ErrorEmitter | null | undefined)[]
): Guard {
  let lost: Error | undefined;
  const keep = (error: Error) => {
    lost ??= error;
  };
  for (const emitter of [client, ...also]) emitter?.on('error', keep);
  return {
    server,
    name: describeServer(server),
    get lost() {
      return lost;
    },
  };
}

/** Node's own words for a connection that broke or never was (errno codes on socket errors). */
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTCONN',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_DESTROYED',
  // fetch (undici) names a peer that died mid-request by its own codes: "other side closed" is UND_ERR_SOCKET.
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Whether `error` is a socket's (the connection broke), whatever client raised it. */
export const isSocketError = (error: unknown): boolean => SOCKET_CODES.has(String((error as { code?: unknown })?.code));

const messageOf = (error: unknown): string => {
  const e = error as { message?: string; code?: string };
  const text = e?.message || String(error);
  return e?.code && !text.includes(String(e.code)) ? `${text} (${e.code})` : text;
};

/**
 * The step's failure when its server went away during `doing`: retryable, naming the server
 * (kind, component and site, host:port) and what it said as it went. Takes the client's guard, or
 * the server alone for clients that emit nothing (fetch, the OpenSearch client).
 */
export function serverLost(from: Guard | ServerRef, error: unknown, doing?: string): ApplicationFailure {
  const [server, lost] = 'server' in from ? [from.server, from.lost] : [from, undefined];
  const cause =
    lost && lost !== error ? `${messageOf(error)}; the connection said: ${messageOf(lost)}` : messageOf(error);
  return ApplicationFailure.retryable(
    `${describeServer(server)} stopped answering${doing ? ` while ${doing}` : ''}: ${cause}. The step can be retried once the server is back`,
    SERVER_LOST,
    {
      server: { kind: server.kind, endpoint: server.endpoint, ...(server.label ? { label: server.label } : {}) },
    },
  );
}

/** Ends a client without waiting forever for a server that is gone: `end` is given `ms`, then `destroy` runs. */
export async function closeWithin(end: () => Promise<unknown>, destroy?: () => void, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const outcome = await Promise.race([
    end().then(
      () => 'ended' as const,
      () => 'failed' as const,
    ),
    late,
  ]);
  clearTimeout(timer);
  if (outcome !== 'ended') destroy?.();
}
