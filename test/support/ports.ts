import net from 'node:net';

/** Tries to listen on `port` on loopback; resolves the port it got (0 asks the OS for any). */
function listenOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const { port: got } = server.address() as net.AddressInfo;
      server.close(() => resolve(got));
    });
  });
}

/**
 * `DRILLBOOK_TEST_PORTS=28600-28699`: the range a test run may use (a shared machine hands each
 * engineer's runs their own), else none.
 */
export function testPortRange(env: NodeJS.ProcessEnv = process.env): { from: number; to: number } | undefined {
  const match = /^(\d+)-(\d+)$/.exec(env.DRILLBOOK_TEST_PORTS?.trim() ?? '');
  if (!match) return undefined;
  const [from, to] = [Number(match[1]), Number(match[2])];
  return from > 0 && to >= from && to < 65536 ? { from, to } : undefined;
}

/**
 * A port free on loopback right now: within DRILLBOOK_TEST_PORTS when it is set (starting at a random
 * place in the range, so two helpers of one run rarely race for the same port), else any the OS gives.
 */
export async function freePort(): Promise<number> {
  const range = testPortRange();
  if (!range) {
    const port = await listenOn(0);
    if (port === undefined) throw new Error('no free port on 127.0.0.1');
    return port;
  }
  const size = range.to - range.from + 1;
  const start = Math.floor(Math.random() * size);
  // Bounded: each port of the range is tried at most once.
  for (let i = 0; i < size; i++) {
    const candidate = range.from + ((start + i) % size);
    if ((await listenOn(candidate)) !== undefined) return candidate;
  }
  throw new Error(`no free port in DRILLBOOK_TEST_PORTS=${range.from}-${range.to}`);
}

const given = new Set<number>();
/**
 * A lab port offset that puts every one of `bases` (a lab script's fixed ports) inside this run's
 * DRILLBOOK_TEST_PORTS (else `fallback`), on ports free now and not given to another lab of this
 * test file.
 */
export async function labOffsetFor(
  bases: number[],
  fallback: { from: number; to: number } = { from: 26000, to: 26999 },
): Promise<number> {
  const range = testPortRange() ?? fallback;
  const [low, high] = [Math.min(...bases), Math.max(...bases)];
  // Bounded: each offset of the range is tried once.
  for (let offset = range.from - low; offset + high <= range.to; offset++) {
    const ports = bases.map((b) => b + offset);
    if (ports.some((p) => given.has(p))) continue;
    if ((await Promise.all(ports.map(listenOn))).every((got) => got !== undefined)) {
      for (const p of ports) given.add(p);
      return offset;
    }
  }
  throw new Error(`no offset puts ports ${bases.join(', ')} inside ${range.from}-${range.to}, free`);
}
