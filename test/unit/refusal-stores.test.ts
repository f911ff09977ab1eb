/**
 * The two small stores behind "no false evidence" and "every refusal on the record", on real files:
 * the Slack replay guard (a restarted endpoint still refuses a request it saw; expired entries are
 * swept, so the folder holds one window at most) and the audit trail (append-only lines, a torn
 * last line passed over, a size limit a flood cannot pass).
 */
import { appendFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendAudit, MAX_TRAIL_BYTES, readAudit, trailFile, UNATTRIBUTED } from '../../store/auditTrail';
import { ReplayGuard, sign, verifySlackRequest, WINDOW_S } from '../../src/slack/verify';
import type { AuditEntry } from '../../domain';

const SECRET = 'unit-secret';

test('a signed request is accepted once, also by a new guard on the same folder, and expired entries are swept', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-guard-'));
  const nowMs = Date.now();
  const timestamp = String(Math.floor(nowMs / 1000));
  const rawBody = Buffer.from('payload=%7B%7D');
  const request = { timestamp, signature: sign(SECRET, timestamp, rawBody), rawBody };
  const first = await verifySlackRequest(SECRET, request, new ReplayGuard(dir), nowMs);
  expect(first).toMatchObject({ ok: true, requestId: expect.stringMatching(/^slack:[0-9a-f]{40}$/) });
  // The endpoint restarted: a new guard, the same folder.
  expect(await verifySlackRequest(SECRET, request, new ReplayGuard(dir), nowMs)).toEqual({
    ok: false,
    kind: 'slack-replay',
    reason: expect.stringMatching(/replayed request/),
  });
  expect(readdirSync(dir)).toHaveLength(1);

  // Past the window the entry is swept (the window check refuses the old request by itself then).
  const later = nowMs + (WINDOW_S + 60) * 1000;
  expect(await verifySlackRequest(SECRET, request, new ReplayGuard(dir), later)).toMatchObject({
    ok: false,
    kind: 'slack-stale',
  });
  const laterTs = String(Math.floor(later / 1000));
  const fresh = { timestamp: laterTs, signature: sign(SECRET, laterTs, rawBody), rawBody };
  expect(await verifySlackRequest(SECRET, fresh, new ReplayGuard(dir), later)).toMatchObject({ ok: true });
  expect(readdirSync(dir)).toHaveLength(1);
  expect(readdirSync(dir)[0].startsWith(String(Number(laterTs) + WINDOW_S + 1))).toBe(true);
});

test('a guard that cannot keep what it saw refuses (fail closed)', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'drillbook-guard-')), 'not-a-folder');
  writeFileSync(file, 'x');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const rawBody = Buffer.from('payload=%7B%7D');
  const verdict = await verifySlackRequest(
    SECRET,
    { timestamp, signature: sign(SECRET, timestamp, rawBody), rawBody },
    new ReplayGuard(file),
  );
  expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/could not keep the request/) });
});

test('the audit trail appends per target, passes over a torn line, sends bad names to the unattributed trail and stops at its size limit', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-audit-'));
  const entry = (n: number, target = 'lab'): AuditEntry => ({
    at: new Date(1_800_000_000_000 + n).toISOString(),
    target,
    kind: 'duplicate-start',
    by: 'dave',
    via: 'cli',
    reason: `try ${n}`,
  });
  expect(await appendAudit(dir, entry(1))).toBe('kept');
  appendFileSync(trailFile(dir, 'lab'), '{"at":"torn'); // a crash mid-write
  appendFileSync(trailFile(dir, 'lab'), '\n');
  expect(await appendAudit(dir, entry(2))).toBe('kept');
  expect((await readAudit(dir, 'lab')).entries.map((e) => e.reason)).toEqual(['try 1', 'try 2']);

  expect(await appendAudit(dir, entry(3, '../../etc/passwd'))).toBe('kept');
  expect((await readAudit(dir, UNATTRIBUTED)).entries).toEqual([
    expect.objectContaining({ target: UNATTRIBUTED, reason: 'try 3' }),
  ]);

  // A forger's long fields are cut, and the trail stops at its limit.
  const long = { ...entry(4), reason: 'x'.repeat(100_000) };
  let kept = 0;
  for (let i = 0; i < 10_000 && (await appendAudit(dir, long)) === 'kept'; i++) kept++;
  expect(kept).toBeGreaterThan(1000);
  expect(statSync(trailFile(dir, 'lab')).size).toBeLessThanOrEqual(MAX_TRAIL_BYTES);
  expect(await appendAudit(dir, long)).toBe('trail-full');
  expect((await readAudit(dir, 'lab')).full).toBe(true);
});
