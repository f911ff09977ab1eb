/**
 * The ThreatConnect lab's outage path (issue 20): a stack shaped as plans/lab.yaml (the stand-in TIP
 * app, the MariaDB pair, PostgreSQL primary + standby, an OpenSearch cluster per site with its
 * snapshot schedule), all on this run's ports; every primary-site server SIGKILLed at once; then a
 * `failover`-mode drill of the lab's own plan, approved by two approvers. It must succeed without the
 * dead site ever answering: the secondary's app serves and takes writes, the search tier is restored
 * from the newest scheduled snapshot (its age is the search tier's RPO), and every step aimed at the
 * primary was tried once as best-effort and given up at once, never waited on.
 *
 * A lost site's hosts cannot run commands: the plan's commands for the primary go through a wrapper
 * that fails as an unreachable host does (ssh's exit 255) once the test declares the site lost.
 * Without it, the lab's primary-site scripts would still run on this one machine and bring the "dead"
 * site back (pg_rewind of the killed primary), which no real outage allows. The stand-in app is not
 * ThreatConnect (see README "TIP profiles").
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import { startDrill } from '../src/drills';
import { FACT_NEWEST_REPLICATED_AT, FACT_RPO_BASIS, type DrillRecord, type StepRecord } from '../domain';
import { driveDrill } from './support/operators';
import { ROOT, startDataLab, type DataLab } from './support/dataLab';
import { indicatorsIn } from './support/labState';
import { labOffsetFor } from './support/ports';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

jest.setTimeout(900_000);

/** Seconds between the lab's scheduled search snapshots here: short, so one exists soon after the writes. */
const SNAPSHOT_EVERY_S = 3;
const SEARCH_DOCS = 25;
const APPCTL = path.join(ROOT, 'dist', 'lab', 'appctl.js');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- plan YAML is edited as free-form data here
type Yaml = Record<string, any>;

/** plans/lab.yaml on this lab's ports and folder; the primary's commands fail once `lostMarker` exists. */
function labPlan(lab: DataLab, lostMarker: string): string {
  const plan = parse(readFileSync(path.join(ROOT, 'plans', 'lab.yaml'), 'utf8')) as Yaml;
  plan.target = 'tc-site-loss';
  const onSite = (site: 'primary' | 'secondary', argv: string[]) =>
    site === 'primary'
      ? [
          'sh',
          '-c',
          `if [ -e "${lostMarker}" ]; then echo "ssh: connect to host lab-dc1: No route to host" >&2; exit 255; fi; exec "$@"`,
          'on-primary',
          ...argv,
        ]
      : argv;
  const command = (site: 'primary' | 'secondary', ...args: string[]) => ({ command: onSite(site, lab.argv(...args)) });
  const { app, 'tip-db': db, 'tip-pg': pg, 'tip-search': search } = plan.components as Yaml;
  for (const site of ['primary', 'secondary'] as const) {
    app[site].health.http.url = `http://127.0.0.1:${lab.ports.app[site]}/health`;
    app[site].stop = command(site, 'stop', 'app', site);
    app[site].start = command(site, 'start', 'app', site);
    db[site].port = lab.ports.mariadb[site];
    pg[site].port = lab.ports.postgres[site];
    for (const verb of ['stop', 'start', 'rewind'] as const) {
      const timeout = pg[site][verb].command.timeout;
      pg[site][verb] = command(site, verb, 'postgres', site);
      if (timeout) pg[site][verb].command = { argv: pg[site][verb].command, timeout };
    }
    search[site].url = `http://127.0.0.1:${lab.ports.opensearch[site]}`;
    const tip = plan.tip[site];
    tip.url = `http://127.0.0.1:${lab.ports.app[site]}`;
    tip.secretKey = lab.secret('tc-api');
    const appctl = [APPCTL, '--port', String(lab.ports.app[site]), '--dir', lab.dir];
    tip.monitorsEnabled = { command: onSite(site, ['node', appctl[0], 'monitors', site, ...appctl.slice(1)]) };
    tip.recoveryState = {
      command: onSite(site, ['node', appctl[0], 'release', site, ...appctl.slice(1), '--personality', 'threatconnect']),
    };
  }
  db.password = lab.secret('mysql-drill');
  pg.password = lab.secret('pg-drill');
  return stringify(plan);
}

async function http(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number | 'down'; json: Record<string, unknown> }> {
  try {
    const response = await fetch(url, {
      ...init,
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    return { status: response.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch {
    return { status: 'down', json: {} };
  }
}

const durationMs = (s: StepRecord) => Date.parse(s.endedAt ?? '') - Date.parse(s.startedAt ?? '');

describe('the ThreatConnect lab loses its primary site', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: DataLab;
  const queue = uniqueQueue('tc-site-loss');

  beforeAll(async () => {
    // Ten consecutive ports inside DRILLBOOK_TEST_PORTS for the whole lab (scripts/lab/common.sh's block).
    const block = await labOffsetFor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    lab = await startDataLab({ block }, ['mariadb', 'postgres', 'opensearch', 'app'], {
      DRILLBOOK_LAB_OS_SNAPSHOT_INTERVAL: String(SNAPSHOT_EVERY_S),
    });
    client = await testClient();
    worker = await startTestWorker(queue);
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await lab?.destroy();
  });

  it('fails over in failover mode without waiting on the dead site: the secondary serves, takes writes and holds the newest snapshot', async () => {
    const lostMarker = path.join(lab.dir, 'primary-site-lost');
    const os = (site: 'primary' | 'secondary') => `http://127.0.0.1:${lab.ports.opensearch[site]}`;
    const app = (site: 'primary' | 'secondary') => `http://127.0.0.1:${lab.ports.app[site]}`;

    // Live data on the primary: indicators through the app (MariaDB replicates them) and search documents.
    for (let i = 0; i < 5; i++)
      expect(
        (
          await http(`${app('primary')}/api/indicators`, {
            method: 'POST',
            body: JSON.stringify({ type: 'Address', value: `198.51.100.${i + 1}` }),
          })
        ).status,
      ).toBe(201);
    for (let i = 0; i < SEARCH_DOCS; i++)
      await http(`${os('primary')}/tc-indicators/_doc/${i}`, {
        method: 'PUT',
        body: JSON.stringify({ value: `198.51.100.${i}` }),
      });
    await http(`${os('primary')}/tc-indicators/_refresh`, { method: 'POST' });
    const written = Date.now();

    // The schedule's next snapshot after the writes holds them: wait for one (bounded) before the loss.
    const last = path.join(lab.dir, 'opensearch-sites', 'schedule.last');
    const deadline = Date.now() + 60_000;
    let newest = 0;
    while (Date.now() < deadline) {
      const line = (() => {
        try {
          return readFileSync(last, 'utf8');
        } catch {
          return '';
        }
      })();
      newest = Number(/scheduled-(\d+)/.exec(line)?.[1] ?? 0);
      // Snapshots are named at their start: one started after the refresh holds every document.
      if (newest > written) break;
      // The schedule runs every SNAPSHOT_EVERY_S seconds; look again a little later.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(newest).toBeGreaterThan(written);

    // The site is lost: every primary-site server SIGKILLed at once, and its hosts unreachable.
    writeFileSync(lostMarker, 'lost\n');
    const lostAt = Date.now();
    await Promise.all(['app', 'mariadb', 'postgres', 'opensearch'].map((server) => lab.lab('kill', server, 'primary')));
    expect((await http(`${app('primary')}/health`)).status).toBe('down');
    expect((await http(`${os('primary')}/`)).status).toBe('down');

    const handle = await startDrill(client, queue, {
      target: 'tc-site-loss',
      requestedBy: 'oncall',
      planYaml: labPlan(lab, lostMarker),
      reason: 'primary site lost',
      mode: 'failover',
    });
    const record: DrillRecord = await driveDrill(client, handle.workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      timeoutMs: 600_000,
    });

    const problems = record.steps
      .filter((s) => s.status !== 'succeeded' && !(s.site === 'primary' && s.status === 'best-effort-failed'))
      .map((s) => `${s.id}: ${s.status} ${s.error ?? ''}`);
    expect(problems).toEqual([]);
    expect(record.status).toBe('succeeded');
    expect(record.mode).toBe('failover');

    // Nothing aimed at the dead site was waited on: each was a best-effort try that gave up at once
    // (an unreachable host or a refused connection), within its plan's attempts.
    const onPrimary = record.steps.filter((s) => s.site === 'primary');
    expect(onPrimary.length).toBeGreaterThan(0);
    if (process.env.DRILLBOOK_TEST_DUMP)
      writeFileSync(process.env.DRILLBOOK_TEST_DUMP, JSON.stringify(record, null, 2));
    for (const step of onPrimary) {
      // The one that passes: the check that the dead side's app no longer answers.
      const expected = step.id.endsWith('.old-side-down.primary') ? 'succeeded' : 'best-effort-failed';
      expect({ id: step.id, status: step.status }).toEqual({ id: step.id, status: expected });
      expect(step.attempts).toBeLessThanOrEqual(3);
      // Three attempts with the plan's backoff (1 s, 2 s) and a refused connection each: seconds, not the step's minutes.
      expect({ id: step.id, ms: durationMs(step) }).toEqual({ id: step.id, ms: expect.any(Number) });
      expect(durationMs(step)).toBeLessThan(15_000);
    }
    // Steps on the secondary that also ask the primary (guards, promotes, the TIP checks) did not wait on it either.
    for (const step of record.steps.filter((s) => s.site !== 'primary'))
      expect({ id: step.id, slow: durationMs(step) > 60_000 }).toEqual({ id: step.id, slow: false });

    // The secondary's app serves and takes writes.
    const health = await http(`${app('secondary')}/health`);
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ site: 'secondary', db: { writable: true } });
    expect(
      (
        await http(`${app('secondary')}/api/indicators`, {
          method: 'POST',
          body: JSON.stringify({ type: 'Address', value: '203.0.113.77' }),
        })
      ).status,
    ).toBe(201);
    // In the secondary's database: the write just taken, and what the primary had acknowledged before the loss.
    const held = (await indicatorsIn(lab, 'secondary')).map((i) => `${i.value}@${i.site}`);
    expect(held).toEqual(
      expect.arrayContaining(['203.0.113.77@secondary', '198.51.100.1@primary', '198.51.100.5@primary']),
    );

    // The search tier: the newest scheduled snapshot restored on the secondary's own cluster, its age the RPO.
    const restore = record.steps.find((s) => s.id === 'failover.tip-search.restore.secondary');
    expect(restore?.summary).toMatch(
      /restored scheduled-\d+ .*the newest snapshot, ended \d+s ago \(writes after it are lost\)/,
    );
    expect(restore?.facts?.[FACT_NEWEST_REPLICATED_AT]).toEqual(expect.any(String));
    const heldSince = Date.parse(String(restore?.facts?.[FACT_NEWEST_REPLICATED_AT]));
    expect(heldSince).toBeGreaterThanOrEqual(written);
    expect(heldSince).toBeLessThanOrEqual(lostAt);
    expect(String(restore?.facts?.[FACT_RPO_BASIS])).toMatch(/restored snapshot scheduled-\d+ of primary/);
    const count = await http(`${os('secondary')}/tc-indicators/_count`);
    expect(count.json.count).toBe(SEARCH_DOCS);
  });
});
