/**
 * Bad plans are refused with the field's path and what is wrong (the loader, in process);
 * test/plan-validation-cli.test.ts checks what the built CLI says and that nothing starts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { parsePlan } from '../../plan/load';
import { ROOT } from '../support/standinLab';

const example = (): Record<string, any> => parse(readFileSync(path.join(ROOT, 'plans', 'example-lab.yaml'), 'utf8')); // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form YAML edited per case

function errorsOf(edit: (plan: ReturnType<typeof example>) => void): string[] {
  const plan = example();
  edit(plan);
  const result = parsePlan(stringify(plan));
  if (result.ok) return [];
  return result.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
}

describe('plan validation', () => {
  it('accepts the shipped example plans', () => {
    for (const file of ['example-lab.yaml', 'threatconnect.example.yaml']) {
      const result = parsePlan(readFileSync(path.join(ROOT, 'plans', file), 'utf8'));
      expect(result.ok ? [] : result.errors).toEqual([]);
    }
  });

  const cases: [string, (plan: ReturnType<typeof example>) => void, RegExp][] = [
    [
      'a port as text',
      (p) => (p.components.app.secondary.health.http.url = 'not a url'),
      /^components\.app\.secondary\.health\.http\.url: expected an absolute http\(s\) URL/,
    ],
    ['a missing target', (p) => delete p.target, /^target: is required/],
    ['a target with capitals', (p) => (p.target = 'Example_Lab'), /^target: expected lower-case letters/],
    ['an unknown platform', (p) => (p.platform = 'splunk'), /^platform: .*threatconnect/],
    ['a typo in a field name', (p) => (p.approvals.fourEye = true), /^approvals: unknown field "fourEye"/],
    ['no approvers', (p) => (p.approvals.approvers = []), /^approvals\.approvers: expected at least one approver/],
    [
      'a quorum above the approvers',
      (p) => (p.approvals.quorum = 5),
      /^approvals\.quorum: needs 5 approvals but only 3 approvers/,
    ],
    ['a bad duration', (p) => (p.objectives.rto = '5 minutes'), /^objectives\.rto: expected a duration such as "30s"/],
    [
      'a reminder after the timeout',
      (p) => (p.approvals.reminderAfter = '3h'),
      /^approvals\.reminderAfter: must be shorter than approvals\.timeout/,
    ],
    [
      'an unknown component kind',
      (p) => (p.components.db = { kind: 'oracle', primary: {}, secondary: {} }),
      /^components\.db\.kind: unknown component kind "oracle"/,
    ],
    [
      'a component without a site',
      (p) => delete p.components.app.secondary,
      /^components\.app\.secondary: is required/,
    ],
    [
      'a driver with two kinds',
      (p) => (p.components.app.primary.stop.manual = 'also by hand'),
      /^components\.app\.primary\.stop: expected a step driver with exactly one of command, http, ssm, manual, got command and manual/,
    ],
    [
      'an empty argv',
      (p) => (p.components.app.primary.stop = { command: [] }),
      /^components\.app\.primary\.stop\.command\.argv: expected at least the program/,
    ],
    [
      'a secret written inline',
      (p) => (p.components.app.primary.stop.command = { argv: ['x'], env: { PW: { value: 'hunter2' } } }),
      /^components\.app\.primary\.stop\.command\.env\.PW: expected a secret reference with exactly one of env, file/,
    ],
    [
      'an extra step in an unknown segment',
      (p) => (p.steps[0].segment = 'lunch'),
      /^steps\[id=reboot-hosts\]\.segment: phase pre-reboot has no segment "lunch"/,
    ],
    ['an extra step in an unknown phase', (p) => (p.steps[0].phase = 'coffee'), /^steps\[id=reboot-hosts\]\.phase: /],
    [
      'two steps with one id',
      (p) => p.steps.push({ ...p.steps[0] }),
      /^steps\[id=reboot-hosts\]\.id: step id "reboot-hosts" is used twice: by steps 1 and 3 of the list/,
    ],
    [
      'the same site name twice',
      (p) => (p.sites.secondary.name = p.sites.primary.name),
      /^sites\.secondary\.name: must differ/,
    ],
    ['an unknown time zone', (p) => (p.timezone = 'Mars/Olympus'), /^timezone: expected an IANA time zone/],
    [
      'a step both readOnly and destructive',
      (p) => Object.assign(p.steps[1], { readOnly: true, destructive: true }),
      /^steps\[id=announce-failover\]\.readOnly: a step cannot be both readOnly and destructive/,
    ],
    // What is accepted, said where "Invalid input", "Invalid key in record" or "expected object" was.
    [
      'a status code in quotes',
      (p) => (p.components.app.primary.health.http.expectStatus = '200'),
      /^components\.app\.primary\.health\.http\.expectStatus: expected an HTTP status code or a list of them, such as 200 or \[200, 401\]/,
    ],
    [
      'a component name with an underscore',
      (p) => (p.components.misp_web = p.components.app),
      /^components\.misp_web: "misp_web" is not a valid name: expected lower-case letters, digits and dashes .*, such as "misp-web"$/,
    ],
    [
      'a password written inline',
      (p) =>
        (p.components.db = {
          kind: 'mysql',
          user: 'drill',
          password: 'hunter2',
          primary: { host: 'a', port: 1 },
          secondary: { host: 'b', port: 2 },
        }),
      /^components\.db\.password: expected a secret reference, never the secret itself: write \{ env: VAR \} or \{ file: PATH \}$/,
    ],
    [
      'a command written as one string',
      (p) => (p.components.app.primary.stop = { command: 'systemctl stop app' }),
      /^components\.app\.primary\.stop\.command: expected a command as a list of words such as \[systemctl, stop, app\], or \{ argv: .*\{ argv: \["\.\.\."\], shell: true \}$/,
    ],
    // A secret under a secret's name, written inline, would travel into the drill's history.
    ...['Authorization', 'cookie', 'X-Api-Key', 'X-OpenCTI-Token'].map(
      (header): [string, (p: ReturnType<typeof example>) => void, RegExp] => [
        `an inline ${header} header`,
        (p) => (p.components.app.primary.health.http.headers = { [header]: 'Bearer abc' }),
        new RegExp(
          `^components\\.app\\.primary\\.health\\.http\\.headers\\.${header}: the header ${header} holds a secret, .*: write \\{ env: VAR \\} or \\{ file: PATH \\}$`,
        ),
      ],
    ),
    ...['DB_PASSWORD', 'GITHUB_TOKEN', 'CLIENT_SECRET', 'API_KEY'].map(
      (name): [string, (p: ReturnType<typeof example>) => void, RegExp] => [
        `an inline ${name} in a command's env`,
        (p) => (p.components.app.primary.stop.command = { argv: ['x'], env: { [name]: 'hunter2' } }),
        new RegExp(
          `^components\\.app\\.primary\\.stop\\.command\\.env\\.${name}: the environment variable ${name} holds a secret, .*write \\{ env: VAR \\} or \\{ file: PATH \\}$`,
        ),
      ],
    ),
    ...['localhost:9200/x', 'ftp://files.example.org/x', 'file:///etc/passwd', 'https://admin:pw@tip.example.org/'].map(
      (url): [string, (p: ReturnType<typeof example>) => void, RegExp] => [
        `the URL ${url}`,
        (p) => (p.components.app.secondary.health.http.url = url),
        /^components\.app\.secondary\.health\.http\.url: (expected an absolute http\(s\) URL with a host, such as https:\/\/tip\.example\.org\/api\/health; got ".+"|credentials in a URL are secrets)/,
      ],
    ),
  ];

  it('accepts secrets written as references and plain values under other names', () => {
    expect(
      errorsOf((p) => {
        p.components.app.primary.health.http.headers = {
          Authorization: { env: 'TIP_AUTH' },
          'X-Request-Source': 'drillbook',
        };
        p.components.app.primary.stop.command = {
          argv: ['x'],
          env: { API_KEY: { file: '/run/secrets/key' }, LANG: 'C' },
        };
      }),
    ).toEqual([]);
  });

  it.each(cases)('refuses %s, naming the path', (_name, edit, expected) => {
    const errors = errorsOf(edit);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => expected.test(e))).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    const result = parsePlan('target: x\n  bad: [indent\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].message).toMatch(/YAML syntax: .* at line \d+, column \d+$/);
  });
});
