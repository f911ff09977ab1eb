/**
 * A throwaway copy of the example lab for one test: its own stand-in app ports and state folder,
 * so tests run side by side and beside a demo.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { freePort } from './ports';

export const ROOT = path.resolve(__dirname, '../..');
const APPCTL = path.join(ROOT, 'dist', 'lab', 'appctl.js');

export interface StandinLab {
  target: string;
  dir: string;
  ports: { primary: number; secondary: number };
  /** The plan's YAML, from plans/example-lab.yaml with this lab's ports and folder. */
  planYaml: string;
  appctl(verb: 'start' | 'stop' | 'status', site: 'primary' | 'secondary'): string;
  health(site: 'primary' | 'secondary'): Promise<number | 'down'>;
  stopAll(): void;
}

type Edit = (plan: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any -- plan YAML is edited as free-form data here

export async function createStandinLab(target: string, edit?: Edit): Promise<StandinLab> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `drillbook-${target}-`));
  const ports = { primary: await freePort(), secondary: await freePort() };
  const plan = parse(readFileSync(path.join(ROOT, 'plans', 'example-lab.yaml'), 'utf8'));
  plan.target = target;
  for (const site of ['primary', 'secondary'] as const) {
    const app = plan.components.app[site];
    app.health.http.url = `http://127.0.0.1:${ports[site]}/health`;
    for (const verb of ['start', 'stop'] as const)
      app[verb].command = ['node', APPCTL, verb, site, '--port', String(ports[site]), '--dir', dir];
  }
  plan.steps = plan.steps.filter((s: { id: string }) => s.id !== 'announce-failover');
  edit?.(plan);
  const appctl = (verb: 'start' | 'stop' | 'status', site: 'primary' | 'secondary'): string => {
    try {
      return execFileSync('node', [APPCTL, verb, site, '--port', String(ports[site]), '--dir', dir], {
        encoding: 'utf8',
      });
    } catch (error) {
      return String((error as { stdout?: string }).stdout ?? '');
    }
  };
  return {
    target,
    dir,
    ports,
    planYaml: stringify(plan),
    appctl,
    async health(site) {
      try {
        const response = await fetch(`http://127.0.0.1:${ports[site]}/health`, { signal: AbortSignal.timeout(2000) });
        return response.status;
      } catch {
        return 'down';
      }
    },
    stopAll() {
      appctl('stop', 'primary');
      appctl('stop', 'secondary');
    },
  };
}
