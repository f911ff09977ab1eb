/** Where the Temporal server's binaries are: `temporal-server` and `temporal-sql-tool`. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../store/config';

export interface ServerBinaries {
  server: string;
  sqlTool: string;
}

const inDir = (dir: string): ServerBinaries => ({
  server: path.join(dir, 'temporal-server'),
  sqlTool: path.join(dir, 'temporal-sql-tool'),
});

/**
 * `$TEMPORAL_SERVER_BIN` (a folder holding both), else tools/temporal-server/bin; else builds them with
 * scripts/install-temporal-server.sh (minutes, once) unless `install: false`.
 */
export function findTemporalServer(options: { install?: boolean } = {}): ServerBinaries {
  const candidates = [process.env.TEMPORAL_SERVER_BIN, path.join(PROJECT_ROOT, 'tools', 'temporal-server', 'bin')];
  for (const dir of candidates) {
    if (!dir) continue;
    const found = inDir(dir);
    if (existsSync(found.server) && existsSync(found.sqlTool)) return found;
  }
  if (options.install === false)
    throw new Error(
      'no Temporal server build: set TEMPORAL_SERVER_BIN, or run scripts/install-temporal-server.sh (it builds one into tools/)',
    );
  const output = execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'install-temporal-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return inDir(output.trim().split('\n').pop() as string);
}
