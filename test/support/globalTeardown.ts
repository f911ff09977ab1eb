import type { DevServer } from '../../src/temporal/server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { drillbookServer?: DevServer }).drillbookServer?.stop();
}
