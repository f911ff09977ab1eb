// @ts-check
/**
 * Refuses import circles between the project's files, type-only imports included (ESLint's
 * import-x/no-cycle skips those, and a type-only circle still ties two files' meanings together).
 * Reads every .ts file's imports with TypeScript's own pre-processor and prints each circle found;
 * exit 1 when any. Plain JavaScript so `npm run lint` runs it without a build.
 */
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');
/** Every folder TypeScript checks (tsconfig.json's `include`, tests among them). */
const FOLDERS = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')).include;

/** @param {string} dir @returns {Generator<string>} */
function* tsFiles(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* tsFiles(full);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield full;
  }
}

/** The project file a relative specifier names (`x.ts` or `x/index.ts`). @param {string} from @param {string} specifier */
function resolve(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const target = path.resolve(path.dirname(from), specifier);
  return [`${target}.ts`, path.join(target, 'index.ts'), target].find(
    (candidate) => candidate.endsWith('.ts') && existsSync(candidate),
  );
}

/** Every file's project imports: values and types alike, and the modules a `declare module` augments. */
function importGraph(root = ROOT) {
  /** @type {Map<string, string[]>} */
  const graph = new Map();
  for (const folder of FOLDERS) {
    for (const file of tsFiles(path.join(root, folder))) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = info.importedFiles
        .map((ref) => resolve(file, ref.fileName))
        .filter((t) => t !== undefined && t !== file);
      graph.set(file, /** @type {string[]} */ ([...new Set(targets)]));
    }
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan): each is one circle. @param {Map<string, string[]>} graph */
function circles(graph) {
  let next = 0;
  /** @type {Map<string, number>} */ const index = new Map();
  /** @type {Map<string, number>} */ const low = new Map();
  /** @type {string[]} */ const stack = [];
  const onStack = new Set();
  /** @type {string[][]} */ const found = [];
  /** @param {string} file */
  const visit = (file) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(Number(low.get(file)), Number(low.get(target))));
      } else if (onStack.has(target)) low.set(file, Math.min(Number(low.get(file)), Number(index.get(target))));
    }
    if (low.get(file) === index.get(file)) {
      const component = [];
      let member;
      do {
        member = /** @type {string} */ (stack.pop());
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

module.exports = { importGraph, circles };

if (require.main === module) {
  const found = circles(importGraph());
  for (const circle of found)
    console.error(
      `import circle (type-only imports count): ${circle.map((f) => path.relative(ROOT, f)).join(' <-> ')}`,
    );
  if (found.length) process.exit(1);
}
