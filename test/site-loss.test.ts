/**
 * The site-loss harness against real servers: a MariaDB master-master pair and the stand-in TIP
 * app on each site (scripts/lab/lab.sh on this run's ports), the load client writing every 100 ms,
 * `lab disaster --unreplicated` stopping the secondary's replication, then SIGKILLing the primary's
 * MariaDB and app at once, the service moved by hand as a failover would (the secondary made
 * writable, its app started), the client's truth computed from its log and what the new side holds,
 * and `lab return` bringing the old primary back on its old data: read-only by its own
 * configuration, holding exactly the writes the client lost. The writer watch samples the pair
 * throughout. The TIP is the stand-in app (lab/standinApp.ts), not ThreatConnect.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { readFileSync } from 'node:fs';
import { clientEvidence } from '../lab/siteLoss/clientTruth';
import { startLoadClient } from '../lab/siteLoss/loadClient';
import { readRecordedLoss } from '../lab/siteLoss/lossFile';
import { indicatorTarget, indicatorsHeld } from '../lab/siteLoss/targets';
import { watchWriters, writersEvidence } from '../lab/siteLoss/writerWatch';
import { readWriteLog } from '../lab/siteLoss/writeLog';
import { dataLabPairs, startDataLab, type DataLab } from './support/dataLab';
import { freePort, labOffsetFor } from './support/ports';

jest.setTimeout(300_000);

let lab: DataLab;
let apps: { primary: string; secondary: string };
beforeAll(async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  apps = { primary: `http://127.0.0.1:${p1}`, secondary: `http://127.0.0.1:${p2}` };
  lab = await startDataLab(await labOffsetFor([3316, 3326]), ['mariadb'], {
    DRILLBOOK_LAB_APP_PORT_PRIMARY: String(p1),
    DRILLBOOK_LAB_APP_PORT_SECONDARY: String(p2),
  });
  await lab.lab('up', 'app');
});
afterAll(async () => {
  await lab?.destroy();
});

async function readOnly(site: 'primary' | 'secondary'): Promise<number> {
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: lab.ports.mariadb[site],
    user: 'drill',
    password: readFileSync(lab.secret('mysql-drill').file as string, 'utf8').trim(),
  });
  c.on('error', () => undefined);
  try {
    const [rows] = await c.query('SELECT @@global.read_only AS ro');
    return Number((rows as { ro: number }[])[0].ro);
  } finally {
    await c.end();
  }
}

test('a site lost under writes: the client measures its downtime and the writes it lost; the old primary returns read-only holding them', async () => {
  const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'drillbook-siteloss-')), 'writes.jsonl');
  const pairs = dataLabPairs(lab).filter((p) => p.kind === 'mariadb');
  const watch = watchWriters(pairs);
  const client = startLoadClient({
    targets: [indicatorTarget('primary', apps.primary), indicatorTarget('secondary', apps.secondary)],
    logFile,
    runId: 'siteloss-test',
  });
  try {
    // Writes flow to the primary before anything happens.
    await client.until((w) => w.ok && w.site === 'primary' && w.seq >= 40, 30_000);

    const out = await lab.lab('disaster', '--unreplicated', '2');
    expect(out).toMatch(/SIGKILLed at once \(no graceful stop, no fence\): .*mariadb:\d+.*app:\d+/);
    const loss = readRecordedLoss(lab.dir);
    expect(loss).toMatchObject({ site: 'primary', unreplicatedS: 2, servers: ['mariadb', 'app'] });
    expect(Math.abs(loss.at - Date.now())).toBeLessThan(60_000);

    // Nothing of the primary answers any more: the client's writes fail.
    await client.until((w) => !w.ok && w.sentAt > loss.at, 10_000);

    // The failover, by hand: the secondary takes writes and its app starts (a drill's job, not the harness's).
    await lab.lab('unfence', 'mariadb', 'secondary');
    await lab.lab('start', 'app', 'secondary');
    await client.until((w) => w.ok && w.site === 'secondary', 60_000);
    const mariadbAt = (site: 'primary' | 'secondary') => ({
      port: lab.ports.mariadb[site],
      user: 'drill',
      passwordFile: lab.secret('mysql-drill').file as string,
    });

    await lab.lab('return');
    const returned = readRecordedLoss(lab.dir);
    expect(returned.returnedAt).toBeGreaterThan(loss.at);
    // The old primary is back on its old data, read-only by its own configuration (nothing fenced it here).
    expect(await readOnly('primary')).toBe(1);
    expect(await readOnly('secondary')).toBe(0);
    // A few writes after the return: the client still gets its acknowledgements from the secondary.
    const afterReturn = client.writes().length;
    await client.until((w) => w.ok && w.site === 'secondary' && w.seq > afterReturn + 3, 30_000);
    const writes = await client.stop();
    const watched = await watch.stop();
    // Asked once everything is written: the secondary fetches nothing from the returned primary (its
    // replication was stopped before the kill), so what it holds now is what it held at the failover.
    const held = await indicatorsHeld(
      mariadbAt('secondary'),
      writes.flatMap((w) => (w.ok ? [w.id] : [])),
    );

    const evidence = clientEvidence({
      client: `stand-in TIP app indicators through ${client.describe}`,
      lossAt: loss.at,
      newSite: 'secondary',
      writes: readWriteLog(logFile),
      held,
      writers: writersEvidence(pairs, watched),
    });
    expect(readWriteLog(logFile)).toEqual(writes);
    // The client saw the service down from its last acknowledgement on the primary to its first on the secondary.
    expect(evidence.lastAckBeforeLossAt).toBeLessThanOrEqual(loss.at);
    expect(evidence.downtimeMs).toBeGreaterThan(0);
    // About 2 s of acknowledged writes (one per 100 ms) never reached the secondary: they are lost, and
    // their window reaches back to when replication stopped.
    expect(evidence.lost.count).toBeGreaterThanOrEqual(10);
    expect(evidence.lost.windowMs).toBeGreaterThanOrEqual(1500);
    // Every write acknowledged before replication was stopped is held (asynchronous replication on
    // loopback: a margin of 500 ms for what was still in flight).
    const stoppedAt = loss.replicationStoppedAt ?? 0;
    expect(loss.at - stoppedAt).toBeGreaterThanOrEqual(2000);
    const early = writes.filter((w) => w.ok && (w.ackedAt ?? 0) < stoppedAt - 500);
    expect(early.length).toBeGreaterThan(5);
    expect(early.filter((w) => !held.has(w.id))).toEqual([]);
    // The returned old primary holds exactly what the client lost: the writes someone must reconcile.
    const lostIds = writes.filter((w) => w.ok && (w.ackedAt ?? 0) <= loss.at && !held.has(w.id)).map((w) => w.id);
    const oldPrimary = await indicatorsHeld(mariadbAt('primary'), lostIds);
    expect(lostIds).toHaveLength(evidence.lost.count);
    expect(lostIds.filter((id) => !oldPrimary.has(id))).toEqual([]);
    // The pair never had two writers: killed, then back read-only.
    expect(evidence.writers).toMatchObject({ twoWriterSamples: 0 });
    expect(evidence.writers?.samples).toBeGreaterThan(20);
  } finally {
    await client.stop();
    await watch.stop().catch(() => undefined);
  }
});
