/**
 * A local Slack API stand-in: answers the Web API methods Drillbook calls (pointed at by
 * slackApiUrl), keeps every call for the tests to read, can play an outage (HTTP 500), and serves a
 * minimal Socket Mode WebSocket so interactions can arrive the way Socket Mode delivers them.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports';

export interface SlackCall {
  method: string;
  params: Record<string, unknown>;
  token?: string;
  /** What the stand-in answered (absent while failing). */
  response?: Record<string, unknown>;
}

export interface SlackStandin {
  /** The slackApiUrl for WebClient: http://127.0.0.1:PORT/api/ */
  url: string;
  calls: SlackCall[];
  uploads: { fileId: string; bytes: number }[];
  /** Answer every API call with HTTP 500, as during a Slack outage. */
  failing: boolean;
  /**
   * Accept the next call this matches (the message exists) but answer with a gateway error: the
   * caller never learns the result, as when a worker dies right after posting. Used once.
   */
  loseResponseOf?: (call: SlackCall) => boolean;
  callsTo(method: string): SlackCall[];
  waitFor(method: string, predicate?: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** Socket Mode: delivers an interactive envelope to the connected client; resolves when it is acknowledged. */
  sendInteractive(payload: unknown, timeoutMs?: number): Promise<void>;
  socketConnected(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Fields the Web API sends as JSON strings inside a form. */
const JSON_FIELDS = new Set(['blocks', 'view', 'files', 'attachments']);

function parseParams(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    params[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return params;
}

// ---- a minimal WebSocket server (RFC 6455): text frames, ping/pong, close -----------------------

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x80 | opcode, length])
      : length < 65_536
        ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
        : Buffer.concat([
            Buffer.from([0x80 | opcode, 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(length));
              return b;
            })(),
          ]);
  return Buffer.concat([head, payload]);
}

/** Reads the client's (masked) frames out of `buffer`; returns what is left over. */
function readFrames(buffer: Buffer, onFrame: (opcode: number, payload: Buffer) => void): Buffer {
  let rest = buffer;
  for (let guard = 0; guard < 1000 && rest.length >= 2; guard++) {
    const opcode = rest[0] & 0x0f;
    const masked = (rest[1] & 0x80) !== 0;
    let length = rest[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (rest.length < 4) break;
      length = rest.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (rest.length < 10) break;
      length = Number(rest.readBigUInt64BE(2));
      offset = 10;
    }
    const maskLength = masked ? 4 : 0;
    if (rest.length < offset + maskLength + length) break;
    const mask = rest.subarray(offset, offset + maskLength);
    const payload = Buffer.from(rest.subarray(offset + maskLength, offset + maskLength + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
    onFrame(opcode, payload);
    rest = rest.subarray(offset + maskLength + length);
  }
  return rest;
}

export async function startSlackStandin(): Promise<SlackStandin> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let counter = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++counter).padStart(6, '0')}`;
  const sockets = new Set<Duplex>();
  const posted: { channel: string; ts: string; text: unknown; metadata?: unknown }[] = [];
  const acks = new Set<string>();

  const answer = (method: string, params: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case 'chat.postMessage': {
        const ts = nextTs();
        const metadata = typeof params.metadata === 'string' ? JSON.parse(params.metadata) : params.metadata;
        posted.push({ channel: String(params.channel), ts, text: params.text, metadata });
        return { ok: true, channel: params.channel, ts, message: { text: params.text } };
      }
      case 'conversations.history': {
        // Newest first, as Slack returns them; metadata only when asked for.
        const inChannel = posted
          .filter((m) => m.channel === params.channel && Number(m.ts) >= Number(params.oldest ?? 0))
          .reverse();
        const withMetadata = params.include_all_metadata === true || params.include_all_metadata === 'true';
        return {
          ok: true,
          messages: inChannel.map((m) => ({
            ts: m.ts,
            text: m.text,
            ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
          })),
          has_more: false,
        };
      }
      case 'chat.update':
        return { ok: true, channel: params.channel, ts: params.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'views.open':
        return { ok: true, view: { id: `V${++counter}` } };
      case 'files.getUploadURLExternal': {
        const fileId = `F${++counter}`;
        return { ok: true, upload_url: `${base}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal':
        return { ok: true, files: params.files };
      case 'apps.connections.open':
        return { ok: true, url: `ws://127.0.0.1:${port}/socket` };
      case 'auth.test':
        return { ok: true, user_id: 'U0BOT', team_id: 'T0TEST' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const standin: SlackStandin = {
    url: `${base}/api/`,
    calls: [],
    uploads: [],
    failing: false,
    callsTo: (method) => standin.calls.filter((c) => c.method === method),
    async waitFor(method, predicate = () => true, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = standin.calls.find((c) => c.method === method && predicate(c));
        if (found) return found;
        await sleep(100);
      }
      throw new Error(
        `no ${method} call matched within ${timeoutMs}ms; calls: ${standin.calls.map((c) => c.method).join(', ')}`,
      );
    },
    async sendInteractive(payload, timeoutMs = 10_000) {
      const envelopeId = randomUUID();
      const message = frame(
        0x1,
        Buffer.from(
          JSON.stringify({ envelope_id: envelopeId, type: 'interactive', payload, accepts_response_payload: false }),
        ),
      );
      for (const socket of sockets) socket.write(message);
      const deadline = Date.now() + timeoutMs;
      while (!acks.has(envelopeId)) {
        if (Date.now() > deadline) throw new Error(`envelope ${envelopeId} was not acknowledged within ${timeoutMs}ms`);
        await sleep(50);
      }
    },
    async socketConnected(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (sockets.size === 0) {
        if (Date.now() > deadline) throw new Error('no Socket Mode client connected');
        await sleep(50);
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', base);
      if (url.pathname.startsWith('/upload/')) {
        standin.uploads.push({ fileId: url.pathname.slice('/upload/'.length), bytes: raw.length });
        res.writeHead(200).end(`OK - ${raw.length}`);
        return;
      }
      const method = url.pathname.replace(/^\/api\//, '');
      const params = parseParams(raw.toString('utf8'), req.headers['content-type']);
      const call: SlackCall = { method, params, token: req.headers.authorization?.replace(/^Bearer /, '') };
      standin.calls.push(call);
      if (standin.failing) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error (stand-in outage)');
        return;
      }
      call.response = answer(method, params);
      if (standin.loseResponseOf?.(call)) {
        standin.loseResponseOf = undefined;
        res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway (stand-in: the answer was lost)');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(call.response));
    });
  });

  server.on('upgrade', (req, socket: Duplex) => {
    const key = req.headers['sec-websocket-key'];
    if (!key || !req.url?.startsWith('/socket')) return socket.destroy();
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    sockets.add(socket);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = readFrames(Buffer.concat([pending, data]), (opcode, payload) => {
        if (opcode === 0x1) {
          const message = JSON.parse(payload.toString('utf8')) as { envelope_id?: string };
          if (message.envelope_id) acks.add(message.envelope_id);
        } else if (opcode === 0x9) {
          socket.write(frame(0xa, payload));
        } else if (opcode === 0x8) {
          socket.end(frame(0x8, payload));
        }
      });
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    socket.write(frame(0x1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1 }))));
  });

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return standin;
}

/** The bot token the workers hand the stand-in: it checks none, and a name that is plainly not a Slack token keeps secret scanners quiet. */
export const STANDIN_BOT_TOKEN = 'standin-bot-token';
