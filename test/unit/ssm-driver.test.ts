/**
 * The `ssm` step driver (commands on every InService node of an Auto Scaling group through SSM Run
 * Command): the plan's defaults and refusals naming the field, the step it compiles to in a team's
 * steps, a component's driver and a stop condition, and the rule that decides the step: every node
 * ended in Success with exit 0, judged over GetCommandInvocation answers shaped as AWS gives them
 * (moto only ever answers Success with no output, so a failing node is only seen here).
 */
import { nodeRunOf, OUTPUT_KEPT, verdictOf, type Invocation } from '../../activities/ssm/nodes';
import { compileRunbook } from '../../workflows/runbook';
import { phaseSteps, planWith, refusalsOf, stepById } from './support/kindPlan';

const app = {
  app: {
    kind: 'service',
    primary: { health: { http: { url: 'http://127.0.0.1:8080/health' } } },
    secondary: { health: { http: { url: 'http://127.0.0.1:8081/health' } } },
  },
};
const webNodes = (ssm: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  steps: [
    {
      id: 'web-nodes',
      phase: 'failover-check',
      segment: 'verify',
      site: 'secondary',
      title: 'EFS mounted, Apache and supervisord running on every web node',
      ssm,
      ...more,
    },
  ],
});
const seedsCheck = {
  autoScalingGroup: 'misp-web-euc1',
  region: 'eu-central-1',
  commands: ['set -e', 'mountpoint -q /var/www/MISP/app/files', 'systemctl is-active apache2', 'supervisorctl status'],
  timeout: '2m',
};

describe('the ssm driver in a plan', () => {
  test("a team's step runs the commands on every node, bounded by its timeout plus room to list and send", () => {
    const plan = planWith(app, webNodes(seedsCheck));
    const step = stepById(phaseSteps(plan, 'drill', 'failover-check'), 'failover-check.web-nodes');
    expect(step).toMatchObject({ action: 'runSsmCommand', site: 'secondary', timeoutMs: 150_000 });
    expect(step.args).toEqual({
      ssm: {
        autoScalingGroup: 'misp-web-euc1',
        region: 'eu-central-1',
        commands: seedsCheck.commands,
        documentName: 'AWS-RunShellScript',
        timeout: 120_000,
      },
    });
    // Not a short local check: it waits for nodes, heartbeating, as a normal activity.
    expect(step.readOnly).toBeUndefined();
  });

  test("without its own timeout the step's (or the plan's stepTimeout) bounds it", () => {
    const plan = planWith(app, webNodes({ ...seedsCheck, timeout: undefined }, { timeout: '4m' }));
    expect(stepById(phaseSteps(plan, 'drill', 'failover-check'), 'failover-check.web-nodes').timeoutMs).toBe(240_000);
  });

  test("a component's driver and a stop condition may be commands on every node", () => {
    const onNodes = { ssm: { autoScalingGroup: 'misp-web-euw1', commands: ['systemctl is-active apache2'] } };
    const plan = planWith(
      { app: { ...app.app, primary: { ...app.app.primary, stop: onNodes } } },
      { stopConditions: [{ id: 'apache-up', title: 'Apache runs on every serving node', ...onNodes }] },
    );
    const stop = stepById(phaseSteps(plan, 'drill', 'failover'), 'failover.app.stop.primary');
    expect(stop).toMatchObject({ action: 'runSsmCommand', destructive: true });
    const [condition] = compileRunbook(plan, 'drill').stopConditions ?? [];
    expect(condition).toMatchObject({ id: 'stop-condition.apache-up', action: 'runSsmCommand' });
  });

  test('wrong shapes are refused naming the field and what it accepts', () => {
    expect(refusalsOf(app, webNodes({ autoScalingGroup: 'misp-web' }))).toEqual([
      'steps[id=web-nodes].ssm.commands: expected the lines each node runs, such as ["systemctl is-active apache2"]',
    ]);
    expect(refusalsOf(app, webNodes({ ...seedsCheck, commands: [] }))).toEqual([
      'steps[id=web-nodes].ssm.commands: expected at least one command line',
    ]);
    expect(
      refusalsOf(
        app,
        webNodes({
          ...seedsCheck,
          autoScalingGroup:
            'arn:aws:autoscaling:eu-central-1:123456789012:autoScalingGroup:1:autoScalingGroupName/misp',
          region: 'Frankfurt',
          retries: 2,
        }),
      ),
    ).toEqual([
      'steps[id=web-nodes].ssm.autoScalingGroup: expected the Auto Scaling group name (not its ARN), such as misp-web-euw1',
      'steps[id=web-nodes].ssm.region: expected an AWS region such as eu-west-1',
      'steps[id=web-nodes].ssm: unknown field "retries"; accepted: autoScalingGroup, region, commands, documentName, timeout, expectOutput',
    ]);
    expect(refusalsOf(app, webNodes(seedsCheck, { command: ['true'] }))).toEqual([
      'steps[id=web-nodes]: expected a step with exactly one of command, http, ssm, manual, got command and ssm',
    ]);
  });

  test('a password written into a command line is refused: it would stay in SSM and in the drill', () => {
    const refusals = refusalsOf(
      app,
      webNodes({ ...seedsCheck, commands: ['mysql -u misp -pS3cretPw -e "select 1"', 'systemctl is-active apache2'] }),
    );
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(
      /^steps\[id=web-nodes\]\.ssm\.commands\[0\]: a MySQL\/MariaDB password \(-p…\) is written inline, so it would be kept in SSM's command history, the drill's history and its report: read it on the node instead/,
    );
    expect(refusals[0]).not.toContain('S3cretPw');
  });
});

/** GetCommandInvocation answers as AWS documents them (the fields the driver reads). */
const answers: Record<string, Invocation> = {
  success: {
    Status: 'Success',
    StatusDetails: 'Success',
    ResponseCode: 0,
    StandardOutputContent: 'active\nmisp-workers:default RUNNING pid 812, uptime 3:01:12\n',
    StandardErrorContent: '',
  },
  apacheDown: {
    Status: 'Failed',
    StatusDetails: 'Failed',
    ResponseCode: 3,
    StandardOutputContent: 'inactive\n',
    StandardErrorContent: 'failed to run commands: exit status 3',
  },
  timedOut: {
    Status: 'TimedOut',
    StatusDetails: 'ExecutionTimedOut',
    ResponseCode: 124,
    StandardOutputContent: '',
    StandardErrorContent: '',
  },
  undeliverable: { Status: 'Failed', StatusDetails: 'Undeliverable', ResponseCode: -1 },
  running: { Status: 'InProgress', StatusDetails: 'InProgress', ResponseCode: -1 },
  delayed: { Status: 'Delayed', StatusDetails: 'Delayed', ResponseCode: -1 },
  oddSuccess: { Status: 'Success', StatusDetails: 'Success', ResponseCode: 1, StandardOutputContent: '' },
};

describe('every node must succeed', () => {
  test('passes only when every node ended in Success with exit 0', () => {
    const runs = ['i-01', 'i-02', 'i-03'].map((id) => nodeRunOf(id, answers.success));
    expect(verdictOf(runs)).toMatchObject({ ok: true, failed: [], pending: [] });
    expect(runs[0]).toEqual({
      instanceId: 'i-01',
      status: 'Success',
      statusDetails: 'Success',
      exitCode: 0,
      output: 'active\nmisp-workers:default RUNNING pid 812, uptime 3:01:12',
      error: '',
    });
  });

  test('one failing node fails the step, saying which and why', () => {
    const verdict = verdictOf([
      nodeRunOf('i-01', answers.success),
      nodeRunOf('i-02', answers.apacheDown),
      nodeRunOf('i-03', answers.success),
    ]);
    expect(verdict.ok).toBe(false);
    expect(verdict.failed.map((f) => `${f.run.instanceId} ${f.why}`)).toEqual([
      'i-02 Failed, exit 3: failed to run commands: exit status 3',
    ]);
    expect(verdict.passed).toHaveLength(2);
  });

  test('timed out, undeliverable and a Success with a non-zero code are failures, not passes', () => {
    const verdict = verdictOf([
      nodeRunOf('i-01', answers.timedOut),
      nodeRunOf('i-02', answers.undeliverable),
      nodeRunOf('i-03', answers.oddSuccess),
    ]);
    expect(verdict.ok).toBe(false);
    expect(verdict.failed.map((f) => f.why)).toEqual([
      'TimedOut (ExecutionTimedOut), exit 124',
      'Failed (Undeliverable)',
      'Success but exit 1',
    ]);
  });

  test('nodes still running, delayed or not yet known to SSM are pending: no verdict of success', () => {
    const verdict = verdictOf([
      nodeRunOf('i-01', answers.success),
      nodeRunOf('i-02', answers.running),
      nodeRunOf('i-03', answers.delayed),
      nodeRunOf('i-04', undefined),
    ]);
    expect(verdict.ok).toBe(false);
    expect(verdict.pending.map((r) => `${r.instanceId} ${r.status}`)).toEqual([
      'i-02 InProgress',
      'i-03 Delayed',
      'i-04 NotYetKnown',
    ]);
  });

  test('no node at all is no pass', () => {
    expect(verdictOf([]).ok).toBe(false);
  });

  test("expectOutput must match each node's whole output, line by line", () => {
    const expected = '^active$';
    expect(verdictOf([nodeRunOf('i-01', answers.success, expected)], expected).ok).toBe(true);
    const empty = nodeRunOf('i-02', { ...answers.success, StandardOutputContent: '' }, expected);
    expect(verdictOf([empty], expected).failed[0].why).toBe(
      'exit 0 but its output does not match ^active$ (no output)',
    );
  });

  test('the record keeps the end of a long output, saying it was cut', () => {
    const long = `${'x'.repeat(5000)}\nlast line`;
    const run = nodeRunOf('i-01', { ...answers.apacheDown, StandardOutputContent: long });
    expect(run.output.startsWith('…')).toBe(true);
    expect(run.output).toHaveLength(OUTPUT_KEPT + 1);
    expect(run.output.endsWith('last line')).toBe(true);
  });
});
