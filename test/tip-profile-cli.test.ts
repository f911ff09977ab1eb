/** `drillbook plan show` (the built CLI, dist/) lists each TIP profile's checks; test/unit/tip-profile-plan.test.ts compiles them in process. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './support/standinLab';

describe('drillbook plan show lists the profile checks', () => {
  const show = (file: string) =>
    execFileSync('node', [path.join(ROOT, 'dist/src/cli.js'), 'plan', 'show', file, '--mode', 'drill'], {
      cwd: ROOT,
      encoding: 'utf8',
    });

  it.each([
    ['plans/lab.yaml', 'ThreatConnect on lab-dc2: jobs run on exactly one app server'],
    ['plans/threatconnect.example.yaml', 'ThreatConnect on fra1: playbooks are listed'],
    ['plans/opencti-lab.yaml', 'OpenCTI on lab-fra: connectors are active'],
    ['plans/opencti.example.yaml', 'OpenCTI on'],
    ['plans/misp.example.yaml', 'MISP on'],
  ])('%s', (file, line) => {
    expect(show(file)).toContain(line);
  });

  it('plans/example-lab.yaml (generic) shows none', () => {
    expect(show('plans/example-lab.yaml')).not.toMatch(/ThreatConnect on|OpenCTI on|MISP on/);
  });
});
