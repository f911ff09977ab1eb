/**
 * The HTTP endpoint Slack posts interactions to (the app's Interactivity Request URL). It checks
 * the signature on the raw bytes before reading anything, answers 200 at once (Slack gives three
 * seconds), and does the work afterwards.
 */
import http from 'node:http';
import type { SlackAuditor } from './audit';
import type { InteractionMeta, SlackInteraction } from './interactions';
import { ReplayGuard, verifySlackRequest } from './verify';

export const INTERACTIONS_PATH = '/slack/interactions';
/** Interaction payloads carry the whole message; a few hundred KiB is far beyond any real one. */
const MAX_BODY_BYTES = 512 * 1024;

export interface SlackServerOptions {
  signingSecret: string;
  handle: (payload: SlackInteraction, meta: InteractionMeta) => Promise<void>;
  /** Where the signatures seen are kept for the five-minute window (a folder under the data dir), so a restart forgets none. */
  replayDir: string;
  /** Keeps a refused request in the audit trail; a trail that cannot be written is logged, the request refused all the same. */
  audit?: SlackAuditor;
  log?: (message: string) => void;
  now?: () => number;
}

export interface SlackServer {
  server: http.Server;
  /** Work still running after the 200 went out; awaited on close. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit the rest is read and dropped, so the 413 still reaches the sender; requestTimeout bounds it.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export function createSlackServer(options: SlackServerOptions): SlackServer {
  const guard = new ReplayGuard(options.replayDir);
  const inflight = new Set<Promise<void>>();
  const log = options.log ?? (() => undefined);

  const server = http.createServer((req, res) => {
    const reply = (status: number, body = '') => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/healthz') return reply(200, 'ok');
    if (url.pathname !== INTERACTIONS_PATH) return reply(404, 'not found');
    if (req.method !== 'POST') return reply(405, 'POST only');

    void readBody(req, MAX_BODY_BYTES).then(
      async (raw) => {
        if (raw === 'too-large') return reply(413, 'too large');
        const verdict = await verifySlackRequest(
          options.signingSecret,
          {
            timestamp: single(req.headers['x-slack-request-timestamp']),
            signature: single(req.headers['x-slack-signature']),
            rawBody: raw,
          },
          guard,
          options.now?.(),
        );
        if (!verdict.ok) {
          const from = req.socket.remoteAddress;
          log(`refused a request from ${from}: ${verdict.reason}`);
          // Kept before the answer goes out, so whoever sees the 401 finds it in the trail.
          await options
            .audit?.({ kind: verdict.kind, reason: verdict.reason, from, rawBody: raw })
            .catch((error: Error) => log(`could not keep the refusal in the audit trail: ${error.message}`));
          return reply(401, 'invalid request signature');
        }
        let payload: SlackInteraction;
        try {
          if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
            throw new Error('not a form');
          payload = JSON.parse(new URLSearchParams(raw.toString('utf8')).get('payload') ?? '') as SlackInteraction;
          if (typeof payload?.type !== 'string' || typeof payload.user?.id !== 'string')
            throw new Error('no type or user');
        } catch (error) {
          log(`bad interaction payload: ${(error as Error).message}`);
          return reply(400, 'expected payload=<interaction JSON>');
        }
        // An empty 200 acknowledges a click and closes a modal; the answer follows as a message edit or an ephemeral note.
        reply(200);
        const work = options
          .handle(payload, { requestId: verdict.requestId })
          .catch((error: Error) => log(`interaction failed: ${error.message}`));
        inflight.add(work);
        void work.finally(() => inflight.delete(work));
      },
      (error: Error) => {
        log(`request failed: ${error.message}`);
        if (!res.headersSent) reply(400, 'bad request');
      },
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  const idle = async () => {
    // Bounded: each pass waits for the work in flight; new work needs new requests, which close() stops.
    for (let pass = 0; pass < 10 && inflight.size; pass++) await Promise.allSettled([...inflight]);
  };
  return {
    server,
    idle,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await idle();
    },
  };
}
