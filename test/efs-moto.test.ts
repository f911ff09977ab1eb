/**
 * The efs kind against moto's server mode (a port of DRILLBOOK_TEST_PORTS). moto implements file systems but none of
 * EFS replication: DescribeReplicationConfigurations answers an HTML 500 page, and Create/Delete are
 * missing too (FIELD-NOTES 12). So the replication failover cannot be driven here; what can be
 * checked is that every step that depends on replication fails (retryable: it cannot tell) instead
 * of passing, that the failover changes nothing it could not confirm, that the file systems
 * themselves are read (available; writable when no replication protects them), and that a plan
 * naming a file system EFS does not have is refused with its field. The failback (reverse the
 * replication into the primary's file system, wait for a sync newer than the stop, delete it,
 * replicate forward again, check it synced) fails closed at its first replication call the same way:
 * what moto cannot prove is all of it (the overwrite of an existing destination, the sync times,
 * the destination turning writable).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateFileSystemCommand } from '@aws-sdk/client-efs';
import { createEfsActivities } from '../kinds/efs/activities';
import { freePort } from './support/ports';
import { failureOf, startMotoAws, type MotoAws } from './support/motoAws';
import { drillSteps, inputOf, stackPlan } from './support/stackPlan';

describe('efs on moto', () => {
  let moto: MotoAws;
  let efs: ReturnType<typeof createEfsActivities>;
  const ids = { primary: '', secondary: '' };

  const steps = (overrides: Record<string, unknown> = {}) =>
    drillSteps(
      stackPlan({
        files: {
          kind: 'efs',
          waitTimeout: '2s',
          pollInterval: '200ms',
          primary: { fileSystemId: ids.primary },
          secondary: { fileSystemId: ids.secondary, region: 'us-east-1' },
          ...overrides,
        },
      }),
    );

  beforeAll(async () => {
    moto = await startMotoAws(await freePort(), mkdtempSync(path.join(os.tmpdir(), 'drillbook-efs-')));
    efs = createEfsActivities({ aws: () => moto.clients });
    for (const site of ['primary', 'secondary'] as const) {
      const made = await moto.clients.efs().send(new CreateFileSystemCommand({ CreationToken: `misp-${site}` }));
      ids[site] = made.FileSystemId as string;
    }
  });
  afterAll(() => moto?.stop());

  it('reads the file systems: available, and writable where no replication protects them', async () => {
    const health = await efs.efsHealth(inputOf('efsHealth', steps(), 'preparation.files.health.primary'));
    expect(health.summary).toBe(`EFS ${ids.primary} (dc1, primary) is available and writable`);
    expect(health.facts).toMatchObject({ lifeCycleState: 'available', overwriteProtection: null });
  });

  it('fails every replication check and the failover, since moto cannot say what the replication is: never a pass', async () => {
    const s = steps();
    for (const [action, id] of [
      ['efsPreflight', 'preparation.files.preflight.primary'],
      ['efsGuard', 'failover.files.guard.secondary'],
      ['efsFailover', 'failover.files.failover.secondary'],
    ] as const) {
      const failure = await failureOf(efs[action](inputOf(action, s, id) as never));
      // Retryable: an answer the SDK cannot read is not a misconfiguration, and not a pass.
      expect(failure).toMatchObject({ nonRetryable: false });
      expect(failure?.message).toMatch(new RegExp(`^EFS replication of ${ids.primary}: `));
    }
    // Nothing was changed by the failover that could not tell: the destination is as it was.
    const after = await efs.efsHealth(inputOf('efsHealth', s, 'failover-check.files.health.secondary'));
    expect(after.facts).toMatchObject({ fileSystem: ids.secondary, lifeCycleState: 'available' });
  });

  it('fails every step of the failback closed, since moto implements no replication call: none passes', async () => {
    const s = steps();
    for (const [action, id, source] of [
      ['efsReplicate', 'failback.files.replicate-back.primary', ids.secondary],
      ['efsFailover', 'failback.files.failback.primary', ids.secondary],
      ['efsReplicate', 'failback.files.reprotect.secondary', ids.primary],
      ['efsInSync', 'failback-check.files.in-sync.secondary', ids.primary],
    ] as const) {
      const failure = await failureOf(efs[action](inputOf(action, s, id) as never));
      // Retryable: moto's HTML answer is not a misconfiguration, and not a pass.
      expect(failure).toMatchObject({ nonRetryable: false });
      expect(failure?.message).toMatch(new RegExp(`^EFS replication of ${source}: .*Deserialization error`, 's'));
    }
  });

  it("refuses a file system EFS does not have, naming the plan's field", async () => {
    const failure = await failureOf(
      efs.efsPreflight(
        inputOf(
          'efsPreflight',
          steps({ secondary: { fileSystemId: 'fs-0123456789abcdef0' } }),
          'preparation.files.preflight.primary',
        ),
      ),
    );
    expect(failure).toMatchObject({ nonRetryable: true });
    expect(failure?.message).toMatch(
      /EFS file system fs-0123456789abcdef0: FileSystemNotFound: .*; check the plan's secondary.fileSystemId and its region/,
    );
  });
});
