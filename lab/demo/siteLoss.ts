/**
 * `npm run demo -- --platform X --scenario site-loss`: the unannounced loss of the primary site
 * under live writes, drilled end to end. The lab is up; the load client writes every 100 ms and the
 * writer watch samples every replicated pair; after a random 3-10 s `lab disaster` SIGKILLs every
 * primary-site server at once; a `failover` drill is started with the kill time as its declared
 * loss and answered by the demo approvers; the client's truth is attached before its sign-off (the
 * update `drillbook evidence` sends); then `lab return` brings the old site back on its old data, a
 * `reprotect` drill makes it the replica and a `failback` drill goes home, its canaries proving the
 * way back. Exits 0 only if the new site served the client, the watch never saw two writers, and
 * reprotect and failback succeeded. The TIPs are the lab's stand-ins, not the products.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { PROJECT_ROOT } from '../../store/config';
import { attachEvidence, startDrill } from '../../src/drills';
import { renderRecord } from '../../render/record';
import type { ClientEvidence, DrillMode, DrillRecord } from '../../domain';
import { REQUESTER, runDrill } from './approvers';
import { clientEvidence, clientEvidenceLine } from '../siteLoss/clientTruth';
import { startLoadClient } from '../siteLoss/loadClient';
import { readRecordedLoss } from '../siteLoss/lossFile';
import { siteLossLab, type SiteLossPlatform } from '../siteLoss/labs';
import { watchWriters, writersEvidence, type Watched } from '../siteLoss/writerWatch';
import type { WriteRecord } from '../siteLoss/writeLog';

export interface SiteLossDemo {
  client: Client;
  taskQueue: string;
  platform: SiteLossPlatform;
  target: string;
  planYaml: string;
  /** Where the client's log and the evidence file go. */
  demoDir: string;
  /** `--unreplicated S`: stop the secondary's replication S seconds before the kill (MariaDB labs). */
  unreplicatedS?: number;
}

const line = (text: string) => console.log(`\n== ${text}`);
const seconds = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

/**
 * Runs a lab script's verb without blocking this process: the load client and the writer watch keep
 * sampling while the servers die and while they come back (the return is when two writers could appear).
 */
async function labScript(script: string, args: string[]): Promise<boolean> {
  const child = spawn('bash', [path.join(PROJECT_ROOT, 'scripts', 'lab', script), ...args], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  });
  return new Promise((resolve) => {
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
}

async function drill(demo: SiteLossDemo, mode: DrillMode): Promise<DrillRecord> {
  const handle = await startDrill(demo.client, demo.taskQueue, {
    target: demo.target,
    requestedBy: REQUESTER,
    planYaml: demo.planYaml,
    reason: `npm run demo --scenario site-loss (${mode})`,
    mode,
  });
  console.log(`started ${handle.workflowId} (${mode}) as ${REQUESTER}`);
  return runDrill(demo.client, handle.workflowId, async () => undefined);
}

export async function runSiteLossDemo(demo: SiteLossDemo): Promise<number> {
  const lab = siteLossLab(demo.platform);
  const logFile = path.join(demo.demoDir, `site-loss-${demo.platform}-writes.jsonl`);
  writeFileSync(logFile, '');
  const watch = watchWriters(lab.pairs);
  const startedAt = Date.now();
  const client = startLoadClient({ targets: lab.targets(), logFile, runId: `siteloss-${Date.now()}` });
  const failures: string[] = [];
  let watched: Watched | undefined;
  let writes: readonly WriteRecord[];
  let failover: DrillRecord | undefined;
  let reprotect: DrillRecord | undefined;
  let failback: DrillRecord | undefined;
  /** What the new side held at the failover's sign-off: a returning old primary replicating its writes over later must not undo a loss. */
  let heldAtFailover: { upTo: number; held: Set<string> } | undefined;
  try {
    line(`load client: ${lab.client}, every 100 ms (log ${path.relative(PROJECT_ROOT, logFile)})`);
    line(`writer watch: ${lab.pairs.map((p) => p.name).join(', ')}, every 100 ms`);
    await client.until((w) => w.ok, 30_000);
    if (lab.beforeLoss) line(await lab.beforeLoss(startedAt));
    // The moment of the loss is unannounced: somewhere 3-10 s into the writes.
    const wait = 3000 + Math.floor(Math.random() * 7000);
    await sleep(wait);
    line(`DISASTER after ${(wait / 1000).toFixed(1)} s of writes: every primary-site server SIGKILLed at once`);
    const unreplicated = demo.unreplicatedS ? ['--unreplicated', String(demo.unreplicatedS)] : [];
    if (!(await labScript(lab.script, ['disaster', ...unreplicated])))
      throw new Error('lab disaster failed (see above)');
    const loss = readRecordedLoss(lab.dir);

    line(`failover drill, the loss declared at ${loss.atIso} (--lost-at)`);
    failover = await drillWithEvidence(demo, loss.at, async () => {
      // Before its sign-off: the client's truth so far, once the new site has acknowledged a write.
      await client.until((w) => w.ok && w.site === 'secondary' && w.ackedAt! > loss.at, 60_000).catch(() => undefined);
      const acked = client.writes().filter((w) => w.ok);
      const held = await lab.held(acked.map((w) => w.id));
      heldAtFailover = { upTo: acked.at(-1)?.seq ?? 0, held };
      const sofar = await watch.until(() => true);
      return clientEvidence({
        client: lab.client,
        lossAt: loss.at,
        newSite: 'secondary',
        writes: client.writes(),
        held,
        writers: writersEvidence(lab.pairs, sofar),
      });
    });
    if (failover.status !== 'succeeded') failures.push(`the failover drill ended ${failover.status}`);

    line('the old site RETURNS: its servers restarted on their old data, as after a power cut');
    if (!(await labScript(lab.script, ['return']))) failures.push('lab return did not bring every server back');

    line('reprotect drill: the old site becomes the replica of the serving one');
    reprotect = await drill(demo, 'reprotect');
    if (reprotect.status !== 'succeeded') failures.push(`the reprotect drill ended ${reprotect.status}`);

    if (reprotect.status === 'succeeded') {
      line('failback drill: home again, with all its guards; its canaries prove the way back');
      failback = await drill(demo, 'failback');
      if (failback.status !== 'succeeded') failures.push(`the failback drill ended ${failback.status}`);
    } else failures.push('no failback: the old site was not reprotected');
  } finally {
    writes = await client.stop();
    watched = await watch.stop().catch((error: Error) => {
      failures.push(error.message);
      return undefined;
    });
  }

  // The whole run's truth: the loss, the return and the failback, with the watch's final figures.
  // Writes up to the failover's sign-off are judged by what the new side held then; later ones by what it holds now.
  const loss = readRecordedLoss(lab.dir);
  const upTo = heldAtFailover?.upTo ?? 0;
  const later = await lab
    .held(writes.filter((w) => w.ok && w.seq > upTo).map((w) => w.id))
    .catch(() => new Set<string>());
  const whole = clientEvidence({
    client: lab.client,
    lossAt: loss.at,
    newSite: 'secondary',
    writes,
    held: new Set([...(heldAtFailover?.held ?? []), ...later]),
    ...(watched ? { writers: writersEvidence(lab.pairs, watched) } : {}),
  });
  const evidence = failover?.clientEvidence?.at(-1)?.evidence ?? whole;
  writeFileSync(path.join(demo.demoDir, `site-loss-${demo.platform}-evidence.json`), JSON.stringify(whole, null, 2));

  for (const record of [failover, reprotect, failback]) if (record) console.log(`\n${renderRecord(record)}`);
  line('the client against the drill');
  console.log(`  client (at the failover's sign-off): ${clientEvidenceLine(evidence)}`);
  console.log(`  client (whole run):                  ${clientEvidenceLine(whole)}`);
  console.log(
    `  drill: RTO ${seconds(failover?.rto?.measuredMs)} (objective ${seconds(failover?.rto?.objectiveMs)}), RPO ${seconds(failover?.rpo?.measuredMs)} (objective ${seconds(failover?.rpo?.objectiveMs)})`,
  );
  const w = whole.writers;
  console.log(
    w
      ? `  writer watch: ${w.twoWriterSamples} of ${w.samples} samples with two writers (${w.pairs.join(', ')})`
      : '  writer watch: could not tell (see the failure below)',
  );
  if (whole.firstAckAfterLossAt === undefined) failures.push('the new site never acknowledged a write');
  if (!w) failures.push('the writer watch gave no figures');
  else if (w.twoWriterSamples > 0)
    failures.push(`two writers in ${w.twoWriterSamples} samples: ${watched?.bothWritable.slice(0, 5).join(', ')}`);
  console.log(
    failures.length
      ? `\nDEMO FAILED: ${failures.join('; ')}`
      : '\nDEMO PASSED: the new site served, never two writers, reprotect and failback succeeded.',
  );
  return failures.length ? 1 : 0;
}

/** The failover drill, its client evidence attached before the sign-off as `drillbook evidence` attaches it. */
async function drillWithEvidence(
  demo: SiteLossDemo,
  lostAt: number,
  truth: () => Promise<ClientEvidence>,
): Promise<DrillRecord> {
  const handle = await startDrill(demo.client, demo.taskQueue, {
    target: demo.target,
    requestedBy: REQUESTER,
    planYaml: demo.planYaml,
    reason: 'npm run demo --scenario site-loss (failover)',
    mode: 'failover',
    siteLoss: { at: lostAt, how: 'declared', by: REQUESTER },
  });
  console.log(`started ${handle.workflowId} (failover) as ${REQUESTER}`);
  let attached = false;
  return runDrill(demo.client, handle.workflowId, async (pending) => {
    if (pending.id !== 'signoff' || attached) return;
    attached = true;
    const evidence = await truth();
    const file = path.join(demo.demoDir, `site-loss-${demo.platform}-evidence.json`);
    writeFileSync(file, JSON.stringify(evidence, null, 2));
    const result = await attachEvidence(demo.client, handle.workflowId, { by: REQUESTER, evidence });
    console.log(`   drillbook evidence ${demo.target} --file ${path.relative(PROJECT_ROOT, file)}: ${result.message}`);
    console.log(`   client: ${clientEvidenceLine(evidence)}`);
  });
}
