import { rmSync } from 'node:fs';

/** Removes the run's folder (the workflow bundle, audit trails) that the global setup made. */
export default function globalTeardown(): void {
  const dir = process.env.DRILLBOOK_TEST_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
