/**
 * The TIP's own recovery state, with the real client code (activities/tip/recovery/) against the
 * stand-in TIP app answering as ThreatConnect, OpenCTI and MISP on 127.0.0.1, and for OpenCTI's
 * connector queues a real RabbitMQ node pair (scripts/lab/rabbitmq.sh, management API on 30772/30773).
 * Each check passes with a sentence saying what it compared, and fails with the right sentence when
 * the secondary runs another release, another MISP instance UUID, a key digest differs, or a
 * connector's queue is missing; a key value that is not a digest is refused and never shown.
 *
 * What this does not prove: the stand-in is not the platform. It answers getVersion's uuid, `about`,
 * `settings.platform_modules` and `/v3/openApi` as those APIs are documented; whether a real
 * ThreatConnect's openApi version follows its release, and how a real OpenCTI reports its managers
 * across a cluster, are not exercised.
 */
import { ApplicationFailure } from '@temporalio/common';
import amqp from 'amqplib';
import { parse, stringify } from 'yaml';
import { runTipRecoveryCheck } from '../activities/tip/recovery';
import { parsePlan } from '../plan/load';
import { compileRunbook } from '../workflows/runbook';
import { compilePrecheck } from '../workflows/runbook/precheck';
import { startOpenctiLab, type OpenctiLab } from './support/openctiLab';
import { ROOT } from './support/standinLab';
import { compiledCheck, failure, planOf } from './support/tipChecks';
import { startTipPair, tipPlanYaml, type SiteOptions, type TipPair } from './support/tipStandin';
import type { PhaseId, Plan, StepInput, TipRecoveryAction, TipRecoveryCheckId } from '../domain';
import type { PersonalityName } from '../lab/tip';

jest.setTimeout(120_000);

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a plan document edited in place, as YAML
type Edit = (plan: Doc) => void;

const SALT = 'a'.repeat(64);
const ENC = 'b'.repeat(64);
const GPG = 'c'.repeat(64);
/** A site's recoveryState command: what a real one prints over ssh from the node's config (digests only). */
const state = (lines: string[]) => ({
  command: ['sh', '-c', `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')}`],
});

function plan(platform: PersonalityName, pair: TipPair, edit?: Edit): Plan {
  const doc = parse(tipPlanYaml(platform, pair)) as Doc;
  doc.objectives = { rto: '10m' };
  doc.tip.recovery = {};
  edit?.(doc);
  return planOf(stringify(doc));
}

async function check(
  platform: PersonalityName,
  pair: TipPair,
  id: TipRecoveryCheckId,
  options: { edit?: Edit; phase?: PhaseId } = {},
) {
  const step = compiledCheck(plan(platform, pair, options.edit), id, options.phase);
  return runTipRecoveryCheck({ drillId: 'drill-tip', target: 'tip', step } as StepInput<TipRecoveryAction>, ROOT);
}

const pairs: TipPair[] = [];
async function pair(
  personality: PersonalityName,
  sites: { primary?: SiteOptions; secondary?: SiteOptions } = { primary: { monitorsEnabled: true } },
) {
  const started = await startTipPair(personality, sites);
  pairs.push(started);
  return started;
}
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.close();
});

describe('the runbook', () => {
  it('adds the recovery-state checks to preparation, the failover check and the precheck, only with tip.recovery', async () => {
    const misp = await pair('misp');
    const keys: Edit = (doc) => {
      doc.tip.primary.recoveryState = state([`Security.salt ${SALT}`]);
      doc.tip.secondary.recoveryState = state([`Security.salt ${SALT}`]);
    };
    const runbook = compileRunbook(plan('misp', misp, keys), 'drill');
    const ids = (phase: PhaseId) =>
      runbook.phases
        .find((p) => p.id === phase)
        ?.steps.map((s) => s.id)
        .filter((id) => /tip-(version|identity|keys)$/.test(id));
    expect(ids('preparation')).toEqual(['preparation.tip-version', 'preparation.tip-identity', 'preparation.tip-keys']);
    expect(ids('failover-check')).toEqual([
      'failover-check.tip-version',
      'failover-check.tip-identity',
      'failover-check.tip-keys',
    ]);
    expect(ids('check')).toEqual([]);
    expect(
      runbook.phases.find((p) => p.id === 'failover-check')?.steps.find((s) => s.id === 'failover-check.tip-version')
        ?.title,
    ).toBe('MISP on dc2: runs the same release as dc1 (a newer standby migrates the data and failing back breaks)');
    expect(compilePrecheck(plan('misp', misp, keys)).map((s) => s.id)).toEqual(
      expect.arrayContaining([
        'precheck.tip-version',
        'precheck.tip-identity',
        'precheck.tip-keys',
        'precheck.program-sh',
      ]),
    );
    const without = parsePlan(tipPlanYaml('misp', misp));
    if (!without.ok) throw new Error('the plain plan is valid');
    expect(
      compileRunbook(without.plan, 'drill')
        .phases.flatMap((p) => p.steps)
        .filter((s) => s.action === 'tipVersion'),
    ).toEqual([]);
  });
});

describe('the same release on both sites', () => {
  it.each(['threatconnect', 'opencti', 'misp'] as const)(
    '%s: passes naming the release, fails naming both when the secondary runs a newer one',
    async (platform) => {
      const same = await pair(platform, {
        primary: { monitorsEnabled: true, release: '7.7.1' },
        secondary: { release: '7.7.1-b12' },
      });
      const edit: Edit = (doc) => {
        doc.tip.checks =
          platform === 'misp' ? { keys: 'off' } : platform === 'opencti' ? { streams: 'off', queues: 'off' } : {};
      };
      expect((await check(platform, same, 'version', { edit })).summary).toMatch(
        /^(ThreatConnect|OpenCTI|MISP) on dc1: the same release as dc2, 7\.7\.1 \(dc1 7\.7\.1 by its API, dc2 7\.7\.1-b12 by its API\)$/,
      );
      const newer = await pair(platform, {
        primary: { monitorsEnabled: true, release: '7.7.1' },
        secondary: { release: '7.8.0' },
      });
      const failed = await failure(check(platform, newer, 'version', { edit }));
      expect(failed.message).toMatch(
        / on dc1 runs 7\.7\.1 but dc2 runs 7\.8\.0 \(by its API\): a standby on a newer release migrates the data when it starts, and failing back to the older one breaks$/,
      );
      expect(failed.type).toBe('TipVersionsDiffer');
    },
  );

  it('a cold standby is read through its recoveryState command; without one a planned drill cannot tell', async () => {
    const live = await pair('misp', { primary: { monitorsEnabled: true, release: '2.5.2' } });
    const nothing = 'http://127.0.0.1:1'; // nothing listens there: a cold standby
    const cold: Edit = (doc) => {
      doc.tip.checks = { keys: 'off' };
      doc.tip.secondary.url = nothing;
      doc.tip.secondary.recoveryState = state(['version 2.5.2', 'uuid 5f1c2a7e-9b3d-4c8e-a1f0-d0d0d0000001']);
    };
    expect((await check('misp', live, 'version', { edit: cold })).summary).toBe(
      'MISP on dc1: the same release as dc2, 2.5.2 (dc1 2.5.2 by its API, dc2 2.5.2 by its recoveryState command)',
    );
    expect((await check('misp', live, 'identity', { edit: cold })).summary).toBe(
      'MISP on dc1: the same instance UUID as dc2, 5f1c2a7e-9b3d-4c8e-a1f0-d0d0d0000001 (by its API and its recoveryState command)',
    );
    const blind: Edit = (doc) => {
      doc.tip.checks = { keys: 'off' };
      doc.tip.secondary.url = nothing;
    };
    expect((await failure(check('misp', live, 'version', { edit: blind }))).message).toBe(
      'MISP on dc1: cannot tell whether dc2 has the same version: dc2 does not answer and the plan gives no tip.secondary.recoveryState command',
    );
  });
});

describe('MISP: instance UUID and keys', () => {
  const keys =
    (secondary: string[]): Edit =>
    (doc) => {
      doc.tip.primary.recoveryState = state([
        `Security.salt ${SALT}`,
        `Security.encryption_key sha256:${ENC}`,
        `GnuPG.fingerprint ${GPG}`,
      ]);
      doc.tip.secondary.recoveryState = state(secondary);
    };

  it('the same uuid passes; another uuid on the secondary fails naming both', async () => {
    const same = await pair('misp');
    expect((await check('misp', same, 'identity', { edit: keys([]) })).summary).toBe(
      'MISP on dc1: the same instance UUID as dc2, 5f1c2a7e-9b3d-4c8e-a1f0-d0d0d0000001 (by its API and its API)',
    );
    const other = await pair('misp', {
      primary: { monitorsEnabled: true },
      secondary: { instanceUuid: '0b6a1c2d-0000-4000-8000-00000000beef' },
    });
    expect((await failure(check('misp', other, 'identity', { edit: keys([]) }))).message).toBe(
      "MISP on dc1 is instance 5f1c2a7e-9b3d-4c8e-a1f0-d0d0d0000001 but dc2 is 0b6a1c2d-0000-4000-8000-00000000beef (by its API): a DR copy must keep MISP's instance UUID, or sync partners and feeds see another MISP",
    );
  });

  it('equal digests pass; a differing GPG key fails; a value that is not a digest is refused and never shown', async () => {
    const misp = await pair('misp');
    expect(
      (
        await check('misp', misp, 'keys', {
          edit: keys([`Security.salt=${SALT}`, `Security.encryption_key: ${ENC}`, `GnuPG.fingerprint ${GPG}`]),
        })
      ).summary,
    ).toBe(
      'MISP on dc1 and dc2: Security.salt equal, Security.encryption_key equal, GnuPG.fingerprint equal (digests compared, values never read)',
    );
    const differs = await failure(
      check('misp', misp, 'keys', {
        edit: keys([`Security.salt ${SALT}`, `Security.encryption_key ${ENC}`, `GnuPG.fingerprint ${'d'.repeat(64)}`]),
      }),
    );
    expect(differs.type).toBe('TipKeysDiffer');
    expect(differs.message).toBe(
      "MISP on dc1 and dc2: Security.salt equal, Security.encryption_key equal, GnuPG.fingerprint differ (digests printed by each site's recoveryState command; the values are never read): users, encrypted settings or signatures made on one site fail on the other",
    );
    expect(JSON.stringify(differs.details)).not.toContain('dddd');
    const raw = await failure(
      check('misp', misp, 'keys', {
        edit: keys([
          `Security.salt hunter2-the-real-salt`,
          `Security.encryption_key ${ENC}`,
          `GnuPG.fingerprint ${GPG}`,
        ]),
      }),
    );
    expect(raw.message).toContain('Security.salt not a hex digest on dc2 (refused unread)');
    expect(raw.nonRetryable).toBe(true);
    expect(`${raw.message}${JSON.stringify(raw.details)}`).not.toContain('hunter2');
  });
});

describe('OpenCTI: managers and stream retention', () => {
  it('managers run on the serving site only; on both sites they fail', async () => {
    const octi = await pair('opencti');
    const edit: Edit = (doc) => {
      doc.tip.checks = { queues: 'off', streams: 'off' };
    };
    expect((await check('opencti', octi, 'managers', { edit })).summary).toBe(
      'OpenCTI on dc1: 6 background managers run here (CONNECTOR_MANAGER, EXPIRATION_SCHEDULER, RETENTION_MANAGER, RULE_ENGINE, PLAYBOOK_MANAGER, SYNC_MANAGER); none on dc2',
    );
    const both = await pair('opencti', { primary: { monitorsEnabled: true }, secondary: { monitorsEnabled: true } });
    expect((await failure(check('opencti', both, 'managers', { edit }))).message).toMatch(
      /^OpenCTI on dc1: managers run on both sites: CONNECTOR_MANAGER, .* on dc2 too, acting on the same data twice$/,
    );
  });

  it("the retention (REDIS__TRIMMING at the plan's event rate) is compared with the RTO objective", async () => {
    const octi = await pair('opencti');
    const streams =
      (trimming: unknown, rto: string): Edit =>
      (doc) => {
        doc.objectives = { rto };
        doc.tip.checks = { queues: 'off' };
        doc.tip.recovery.streams = { trimming, eventsPerHour: 3000 };
      };
    expect((await check('opencti', octi, 'streams', { edit: streams(2_000_000, '4h') })).summary).toBe(
      'OpenCTI on dc1: the Redis stream keeps 2,000,000 events (REDIS__TRIMMING), about 27.8 days at 3,000 events an hour, longer than the RTO objective of 4.0 h: stream consumers resume where they stopped',
    );
    expect(
      (await check('opencti', octi, 'streams', { edit: streams({ command: ['sh', '-c', 'echo 6000'] }, '1h') }))
        .summary,
    ).toMatch(
      /keeps 6,000 events \(REDIS__TRIMMING\), about 2\.0 h at 3,000 events an hour, longer than the RTO objective of 60 min/,
    );
    const short = await failure(check('opencti', octi, 'streams', { edit: streams(6000, '4h') }));
    expect(short.message).toBe(
      'OpenCTI on dc1: the Redis stream keeps 6,000 events (REDIS__TRIMMING), about 2.0 h at 3,000 events an hour, not longer than the RTO objective of 4.0 h: stream consumers that stopped at the start of such an outage find their position trimmed and must resync',
    );
  });
});

describe('OpenCTI: connector queues on the serving RabbitMQ (a real RabbitMQ pair)', () => {
  let lab: OpenctiLab;
  // Ports 30572-30873: AMQP, management and distribution of both nodes, within this run's range.
  beforeAll(async () => {
    lab = await startOpenctiLab(22_900, ['rabbitmq']);
  }, 180_000);
  afterAll(async () => {
    await lab?.destroy();
  });

  it('passes when every connector has its listen and push queues, and names the one missing', async () => {
    const octi = await pair('opencti');
    const edit: Edit = (doc) => {
      doc.tip.checks = { streams: 'off' };
      doc.tip.recovery.rabbitmq = 'queue';
      doc.components.queue = {
        kind: 'rabbitmq',
        username: 'drill',
        password: lab.secret('rabbitmq-drill'),
        platformUsers: ['opencti'],
        primary: { url: `http://127.0.0.1:${lab.port('rabbitmqMgmt', 'primary')}` },
        secondary: { url: `http://127.0.0.1:${lab.port('rabbitmqMgmt', 'secondary')}` },
      };
    };
    const connection = await amqp.connect(
      `amqp://opencti:${lab.secretValue('rabbitmq-opencti')}@127.0.0.1:${lab.port('rabbitmq', 'primary')}`,
    );
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue('listen_connector-import-file-stix', { durable: true });
      // The management API refreshes its list within a second or so.
      const deadline = Date.now() + 20_000;
      let missing = await failure(check('opencti', octi, 'queues', { edit }));
      expect(missing.message).toBe(
        "OpenCTI on dc1: 1 connector queue missing on dc1's RabbitMQ: ImportFileStix (push_connector-import-file-stix); such a connector stays silent until it registers again (opencti#13763)",
      );
      expect(missing.type).toBe('TipQueuesMissing');
      await channel.assertQueue('push_connector-import-file-stix', { durable: true });
      let passed: string | undefined;
      while (!passed && Date.now() < deadline) {
        passed = await check('opencti', octi, 'queues', { edit }).then(
          (o) => o.summary,
          (e: Error) => ((missing = e as ApplicationFailure), undefined),
        );
      }
      expect(passed).toMatch(
        /^OpenCTI on dc1: every registered connector has its queues on dc1's RabbitMQ \(1 connector, 2 push and listen queues of \d+ in vhost \/\)$/,
      );
      await channel.deleteQueue('listen_connector-import-file-stix');
      await channel.deleteQueue('push_connector-import-file-stix');
    } finally {
      await connection.close();
    }
  });
});
