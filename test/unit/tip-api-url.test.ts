/**
 * OpenCTI's separate API endpoint per site (`tip.<site>.apiUrl`), against two real HTTP servers on
 * loopback: the front users reach (`url`) answers /health only, the API endpoint answers GraphQL
 * only, as behind an ALB that serves the UI and an internal load balancer for the API and the
 * connectors. The health check asks /health on the front and proves the token on the API; the
 * indicator count asks the API alone. Without apiUrl every call goes to the front, which fails them.
 */
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTipCheck } from '../../activities/tip';
import { formatPlanError, parsePlan } from '../../plan/load';
import { compileRunbook } from '../../workflows/runbook';
import { freePort } from '../support/ports';
import { tipPlanYaml } from '../support/tipStandin';
import type { Step, StepInput, TipAction } from '../../domain';

const TOKEN = 'opencti-api-token-77c1';
const HEALTH_KEY = 'health-key-5e2b';

/** A server that answers `routes` and records each path it was asked; anything else is a 404 page. */
async function serve(routes: Record<string, (req: http.IncomingMessage) => unknown>) {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    const route = (req.url ?? '').split('?')[0];
    asked.push(route);
    req.resume().on('end', () => {
      const answer = routes[route]?.(req);
      if (answer === undefined) return void res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404</h1>');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, asked, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("OpenCTI's API URL per site", () => {
  let front: Awaited<ReturnType<typeof serve>>;
  let api: Awaited<ReturnType<typeof serve>>;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-apiurl-'));
  const files = { secret: path.join(dir, 'token'), healthKey: path.join(dir, 'health'), wrong: '' };

  beforeAll(async () => {
    writeFileSync(files.secret, `${TOKEN}\n`);
    writeFileSync(files.healthKey, `${HEALTH_KEY}\n`);
    front = await serve({
      '/health': (req) =>
        new URL(req.url ?? '', 'http://x').searchParams.get('health_access_key') === HEALTH_KEY
          ? { status: 'success' }
          : undefined,
    });
    api = await serve({
      '/graphql': (req) =>
        req.headers.authorization === `Bearer ${TOKEN}`
          ? {
              data: {
                me: { id: 'user-1' },
                about: { version: '6.4.2' },
                indicators: { pageInfo: { globalCount: 812 } },
              },
            }
          : undefined,
    });
  });

  afterAll(async () => {
    await front?.close();
    await api?.close();
  });

  const check = (withApiUrl: boolean, action: TipAction) => {
    const text = tipPlanYaml('opencti', { urls: { primary: front.url, secondary: front.url }, files }, (tip) => {
      if (withApiUrl) (tip.primary as { apiUrl?: string }).apiUrl = api.url;
    });
    const parsed = parsePlan(text);
    if (!parsed.ok) throw new Error(parsed.errors.map(formatPlanError).join('\n'));
    const step = compileRunbook(parsed.plan, 'drill')
      .phases.find((phase) => phase.id === 'check')
      ?.steps.find((s) => s.action === action) as Step;
    const input = { drillId: 'drill-tip-opencti', target: 'tip-opencti', step } as StepInput<TipAction>;
    return runTipCheck(input, dir);
  };

  it('asks /health on the URL users reach and GraphQL on the API endpoint', async () => {
    front.asked.length = 0;
    api.asked.length = 0;
    await expect(check(true, 'tipHealth')).resolves.toMatchObject({
      summary: expect.stringMatching(/\/health success .*platform 6\.4\.2/),
    });
    expect(front.asked).toEqual(['/health']);
    expect(api.asked).toEqual(['/graphql']);
  });

  it('counts indicators on the API endpoint alone', async () => {
    front.asked.length = 0;
    api.asked.length = 0;
    await expect(check(true, 'tipIndicators')).resolves.toMatchObject({
      summary: expect.stringMatching(/812 indicators/),
    });
    expect(front.asked).toEqual([]);
  });

  it('without apiUrl asks everything on the URL, where this front has no GraphQL: the check fails, never passes', async () => {
    front.asked.length = 0;
    api.asked.length = 0;
    await expect(check(false, 'tipHealth')).rejects.toThrow(/OpenCTI on dc1/);
    expect(front.asked).toEqual(['/health', '/graphql']);
    expect(api.asked).toEqual([]);
  });
});
