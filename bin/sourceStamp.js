// Whether dist/ was built from the sources as they are now: a stamp of every source file's path and
// modification time, written by `npm run build` into dist/.source-stamp. Comparing stamps catches a
// file added, changed or deleted since the build (a deleted module's stale output would otherwise
// shadow its replacement), which an mtime comparison against dist/ cannot.
//   node bin/sourceStamp.js          prints "fresh" or "stale"
//   node bin/sourceStamp.js --write  records the stamp after a build
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.resolve(__dirname, '..');
// What the build compiles (tsconfig.build.json's folders: one list of the source folders) and what configures it.
const SOURCES = [
  ...JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')).include,
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];
const stampFile = path.join(root, 'dist', '.source-stamp');

function* files(relative) {
  const full = path.join(root, relative);
  if (!existsSync(full)) return;
  if (!statSync(full).isDirectory()) return yield relative;
  for (const name of readdirSync(full).sort()) yield* files(path.join(relative, name));
}

function stamp() {
  const hash = createHash('sha1');
  for (const source of SOURCES)
    for (const file of files(source)) hash.update(`${file} ${statSync(path.join(root, file)).mtimeMs}\n`);
  return hash.digest('hex');
}

function isFresh() {
  return (
    existsSync(path.join(root, 'dist', 'src', 'cli.js')) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8').trim() === stamp()
  );
}

module.exports = { isFresh };

if (require.main === module) {
  // Plain JavaScript, run before dist/ exists: Node's parseArgs directly, not src/commandLine.ts.
  let write = false;
  try {
    write = parseArgs({ options: { write: { type: 'boolean' } }, strict: true }).values.write ?? false;
  } catch (error) {
    console.error(`sourceStamp: ${error.message}\nusage: node bin/sourceStamp.js [--write]`);
    process.exit(2);
  }
  if (write) writeFileSync(stampFile, `${stamp()}\n`);
  else console.log(isFresh() ? 'fresh' : 'stale');
}
