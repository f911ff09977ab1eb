/**
 * The cluster's two databases and their schemas, with the server's own `temporal-sql-tool` and the
 * schemas embedded in it (postgresql/v12/temporal and /visibility): created once, brought up to the
 * build's version at every start (a no-op when current; what an upgrade of the server runs first).
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const DATABASES = [
  { name: 'temporal', schema: 'postgresql/v12/temporal' },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

export async function prepareSchemas(options: {
  sqlTool: string;
  dir: string;
  port: number;
  user: string;
  password: string;
}): Promise<void> {
  // The password through the tool's environment (SQL_PASSWORD), never its command line.
  const env = { ...process.env, SQL_PASSWORD: options.password };
  const tool = async (database: string, args: string[]) => {
    const common = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(options.port), '-u', options.user];
    try {
      await run(options.sqlTool, [...common, '--db', database, ...args], { env, timeout: 300_000 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(
        `temporal-sql-tool ${args[0]} on ${database} failed: ${[stderr, stdout].filter(Boolean).join('\n').trim() || (error as Error).message}`,
        { cause: error },
      );
    }
  };
  for (const database of DATABASES) {
    const created = path.join(options.dir, `${database.name}.created`);
    if (!existsSync(created)) {
      await tool(database.name, ['create-database', '--defaultdb', 'postgres']);
      await tool(database.name, ['setup-schema', '-v', '0.0']);
      writeFileSync(created, `${new Date().toISOString()}\n`);
    }
    await tool(database.name, ['update-schema', '--schema-name', database.schema]);
  }
}
