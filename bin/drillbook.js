#!/usr/bin/env node
// The package's bin. `npm ci` installs the TypeScript sources only, so the first run builds dist/
// (saying so on stderr, keeping stdout for the command's own output) instead of dying with a Node
// stack; a prepare script would be skipped by `npm ci --ignore-scripts` and rebuilt on every install.
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { isFresh } = require('./sourceStamp');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist', 'src', 'cli.js');

/** Builds dist/ with the package's own build script; returns an exit code, 0 when built. */
function build() {
  if (!existsSync(path.join(root, 'node_modules', 'typescript'))) {
    console.error(
      'drillbook: dist/ is not built and TypeScript is not installed: run `npm ci` (with dev dependencies), then `npm run build`',
    );
    return 1;
  }
  console.error(
    `drillbook: dist/ is ${existsSync(cli) ? 'older than the sources' : 'not built yet'}; building it with \`npm run build\` (about a minute)…`,
  );
  const result = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (result.status === 0 && existsSync(cli)) return 0;
  console.error(
    `drillbook: \`npm run build\` failed (${result.error ? result.error.message : `exit ${result.status}`}); fix the error above and run it again`,
  );
  return 1;
}

const built = isFresh() ? 0 : build();
if (built !== 0) process.exitCode = built;
else {
  const entry = require(cli);
  // A dist/ built before `run` existed still works: its exit code set, Node exits once output is written.
  if (typeof entry.run === 'function') entry.run(process.argv);
  else entry.main(process.argv).then((code) => (process.exitCode = code));
}
