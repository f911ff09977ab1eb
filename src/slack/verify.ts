/**
 * Slack request signing (v0): HMAC-SHA256 of "v0:<timestamp>:<raw body>" with the app's signing
 * secret, compared in constant time, within five minutes of now, and each signature accepted once,
 * also across restarts of the endpoint (the guard keeps what it saw on disk).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { AuditKind } from '../../domain';

export const WINDOW_S = 300;
/** More signed requests than this inside one window is not Slack traffic a drill sees; refuse rather than grow. */
const MAX_REMEMBERED = 10_000;
/** Expired entries are swept at most this often; the window check refuses their requests meanwhile anyway. */
const PRUNE_EVERY_S = 30;

export type Verdict = { ok: true; requestId: string } | { ok: false; reason: string; kind: AuditKind };

export function sign(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

/** One name per signed request: the replay guard's key, and the request id the drill de-duplicates by. */
export const requestKey = (timestamp: string, signature: string): string =>
  createHash('sha256').update(`${timestamp}:${signature}`).digest('hex').slice(0, 40);

/**
 * Signatures seen within the window, one empty file each in `dir`, named `<expiry>-<key>`. A file is
 * created exclusively (O_EXCL) and synced with its folder before the request is let through, so a
 * captured request sent again is refused by this process, a restarted one, or another sharing the
 * folder; files past their expiry are swept, so the folder holds at most one window of requests.
 */
export class ReplayGuard {
  private lastPruneS = 0;
  private remembered = 0;

  constructor(private readonly dir: string) {}

  /** True the first time; false for a repeat or when the guard is full. Throws when the disk cannot keep it (the caller refuses). */
  async remember(timestamp: string, signature: string, nowS: number): Promise<boolean> {
    if (nowS - this.lastPruneS >= PRUNE_EVERY_S) await this.prune(nowS);
    if (this.remembered >= MAX_REMEMBERED) return false;
    // Kept until the timestamp itself falls out of the window, after which the window check refuses it anyway.
    const file = path.join(this.dir, `${Number(timestamp) + WINDOW_S + 1}-${requestKey(timestamp, signature)}`);
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.sync();
      await handle.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    const folder = await open(this.dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
    this.remembered += 1;
    return true;
  }

  private async prune(nowS: number): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let kept = 0;
    for (const name of await readdir(this.dir)) {
      const expires = Number(name.split('-')[0]);
      if (Number.isFinite(expires) && expires < nowS) await unlink(path.join(this.dir, name)).catch(() => undefined);
      else kept += 1;
    }
    this.remembered = kept;
    this.lastPruneS = nowS;
  }
}

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
}

export async function verifySlackRequest(
  secret: string,
  request: SignedRequest,
  guard: ReplayGuard,
  nowMs: number = Date.now(),
): Promise<Verdict> {
  const { timestamp, signature, rawBody } = request;
  const bad = (reason: string): Verdict => ({ ok: false, reason, kind: 'slack-bad-signature' });
  if (!timestamp || !signature) return bad('missing X-Slack-Request-Timestamp or X-Slack-Signature');
  if (!/^\d{1,12}$/.test(timestamp)) return bad('malformed timestamp');
  const nowS = Math.floor(nowMs / 1000);
  if (Math.abs(nowS - Number(timestamp)) > WINDOW_S)
    return { ok: false, reason: 'timestamp outside the five-minute window', kind: 'slack-stale' };
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return bad('malformed signature');
  const expected = Buffer.from(sign(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return bad('signature mismatch');
  // Only a genuine signature is remembered, so forgeries cannot fill the guard. A guard that cannot tell refuses.
  let first: boolean;
  try {
    first = await guard.remember(timestamp, signature, nowS);
  } catch (error) {
    return {
      ok: false,
      reason: `the replay guard could not keep the request (${(error as Error).message}), so it was refused`,
      kind: 'slack-replay',
    };
  }
  if (!first)
    return { ok: false, reason: 'replayed request (this signature was accepted once already)', kind: 'slack-replay' };
  return { ok: true, requestId: `slack:${requestKey(timestamp, signature)}` };
}
