/**
 * The worker's deployment files as operators use them (deploy/): the Kubernetes manifests are applied
 * with server-side apply in dry-run mode (`kubectl apply --server-side --dry-run=server`, i.e.
 * `?dryRun=All` on an apply patch) to a real kube-apiserver, the OpenCTI lab's control plane of one
 * site (scripts/lab/k8s.sh, on ports inside DRILLBOOK_TEST_PORTS): the server validates every object
 * against its schemas and admission, and stores none of them; a deliberately broken Deployment (its
 * selector does not match its pods) is refused. The systemd unit is parsed by `systemd-analyze
 * verify`. What this does not prove: that pods run (no image is pulled here; KWOK has no
 * containers), that the referenced Secrets exist, or that a systemd host starts the service.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ROOT, startOpenctiLab, type OpenctiLab } from './support/openctiLab';
import { labOffsetFor } from './support/ports';

const run = promisify(execFile);
jest.setTimeout(240_000);

const K8S_DIR = path.join(ROOT, 'deploy', 'kubernetes');
const UNIT = path.join(ROOT, 'deploy', 'systemd', 'drillbook-worker.service');
const manifests = readdirSync(K8S_DIR)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => path.join(K8S_DIR, name));

describe('the Kubernetes manifests on a real kube-apiserver (server-side dry run)', () => {
  let lab: OpenctiLab;
  const kubectl = (...args: string[]) => lab.lab('kubectl', 'primary', ...args);
  const dryRun = (file: string) =>
    kubectl('apply', '--server-side', '--dry-run=server', '--field-manager=drillbook-test', '-f', file);

  beforeAll(async () => {
    // One site's control plane (etcd client and peer, kube-apiserver): its ports inside this run's range.
    lab = await startOpenctiLab(await labOffsetFor([7443, 7479, 7481]), []);
    await lab.lab('start', 'kubernetes', 'primary');
    // Namespaced objects need their namespace to exist even in a dry run: the one real write.
    await kubectl('create', 'namespace', 'drillbook');
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('accepts every manifest and stores none of them', async () => {
    expect(manifests.map((file) => path.basename(file)).sort()).toEqual([
      'namespace.yaml',
      'plans-configmap.yaml',
      'worker-deployment.yaml',
      'worker-pdb.yaml',
    ]);
    for (const file of manifests) {
      const out = await dryRun(file);
      expect(out).toMatch(/serverside-applied \(server dry run\)/);
    }
    const deployment = parseAllDocuments(
      readFileSync(path.join(K8S_DIR, 'worker-deployment.yaml'), 'utf8'),
    )[0].toJS() as {
      metadata: { name: string };
    };
    await expect(kubectl('-n', 'drillbook', 'get', 'deployment', deployment.metadata.name)).rejects.toThrow(/NotFound/);
  });

  it('refuses a Deployment whose selector does not match its pods', async () => {
    const text = readFileSync(path.join(K8S_DIR, 'worker-deployment.yaml'), 'utf8').replace(
      /(\n {6}labels:\n {8}app\.kubernetes\.io\/name: drillbook-worker\n {8}drillbook\.dev\/build: )\S+/,
      '$1another-build',
    );
    expect(text).toContain('another-build');
    const broken = path.join(lab.dir, 'broken-deployment.yaml');
    writeFileSync(broken, text);
    await expect(dryRun(broken)).rejects.toThrow(/selector.*does not match template.*labels|`selector` does not match/);
  });
});

const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((file) => existsSync(file));
// Without systemd-analyze (a container without systemd) the unit cannot be parsed here: said, not passed.
(systemdAnalyze ? describe : describe.skip)('the systemd unit', () => {
  const verify = async (file: string) => {
    const { stderr } = await run(systemdAnalyze as string, ['verify', file]).catch(
      (error: { stderr?: string; message: string }) => ({ stderr: error.stderr ?? error.message }),
    );
    return stderr.trim();
  };

  it('parses with nothing systemd would ignore or refuse', async () => {
    expect(await verify(UNIT)).toBe('');
  });

  it('is told apart from a unit with a setting systemd cannot parse', async () => {
    const broken = path.join(os.tmpdir(), `drillbook-worker-broken-${process.pid}.service`);
    writeFileSync(broken, readFileSync(UNIT, 'utf8').replace('Restart=always', 'Restart=sometimes'));
    try {
      expect(await verify(broken)).toMatch(/Failed to parse service restart specifier/);
    } finally {
      rmSync(broken, { force: true });
    }
  });
});
