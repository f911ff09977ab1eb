/**
 * Slack request signing (v0): HMAC-SHA256 of "v0:<timestamp>:<raw body>" with the app's signing
 * secret, compared in constant time, within five minutes of now, and each signature accepted once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WINDOW_S = 300;
/** More signed requests than this inside one window is not Slack traffic a drill sees; refuse rather than grow. */
const MAX_REMEMBERED = 10_000;

export type Verdict = { ok: true } | { ok: false; reason: string };

export function sign(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

/** Signatures seen within the window: a captured request sent again is refused. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** True the first time; false for a repeat or when the guard is full. */
  remember(timestamp: string, signature: string, nowS: number): boolean {
    for (const [key, expires] of this.seen) if (expires < nowS) this.seen.delete(key);
    const key = `${timestamp}:${signature}`;
    if (this.seen.has(key) || this.seen.size >= MAX_REMEMBERED) return false;
    // Kept until the timestamp itself falls out of the window, after which the window check refuses it anyway.
    this.seen.set(key, Number(timestamp) + WINDOW_S + 1);
    return true;
  }
}

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
}

export function verifySlackRequest(secret: string, request: SignedRequest, guard: ReplayGuard, nowMs: number = Date.now()): Verdict {
  const { timestamp, signature, rawBody } = request;
  if (!timestamp || !signature) return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  const nowS = Math.floor(nowMs / 1000);
  if (Math.abs(nowS - Number(timestamp)) > WINDOW_S) return { ok: false, reason: 'timestamp outside the five-minute window' };
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'malformed signature' };
  const expected = Buffer.from(sign(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature mismatch' };
  // Only a genuine signature is remembered, so forgeries cannot fill the guard.
  if (!guard.remember(timestamp, signature, nowS)) return { ok: false, reason: 'replayed request' };
  return { ok: true };
}
