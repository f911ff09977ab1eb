// ESLint for the whole project: TypeScript's recommended rules, and workflow code kept free of I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** The house's import zones (README "Layout"), drawn bottom up: every arrow points down, none back up. */
const HOUSE_ZONES = [
  {
    target: './domain',
    from: [
      './kinds',
      './workflows',
      './activities',
      './plan',
      './render',
      './store',
      './lab',
      './src',
      './scripts',
      './test',
    ],
    message:
      'the domain imports nothing of the project: a kind registers itself into it (declare module), never the other way',
  },
  {
    target: './kinds',
    from: ['./workflows', './activities', './plan', './render', './store', './lab', './src', './scripts', './test'],
    message: 'a kind imports only domain/ and kinds/ (what kinds share is in kinds/kit/)',
  },
  {
    target: ['./kinds/*/types.ts', './kinds/*/actions.ts', './kinds/*/*Actions.ts'],
    from: ['./kinds/kit/**', './kinds/{index,recipes,schemas,activities}.ts'],
    message: "a kind's types and actions are domain vocabulary: they import only domain/ and the kind's own types",
  },
  {
    target: [
      './kinds/*/recipe.ts',
      './kinds/*/*Recipe.ts',
      './kinds/*/index.ts',
      './kinds/kit/recipe',
      './kinds/kit/kind.ts',
      './kinds/index.ts',
      './kinds/recipes.ts',
      './workflows',
    ],
    from: [
      './kinds/*/activities/**',
      './kinds/*/{activities,schema,*Schema}.ts',
      './kinds/kit/{activities,aws,schema}/**',
      './kinds/{activities,schemas}.ts',
    ],
    message:
      'workflow code (recipes, the interpreter) never reaches an activity or a schema: it is bundled into the deterministic sandbox',
  },
  {
    target: './workflows',
    from: ['./activities', './plan', './render', './store', './lab', './src', './scripts', './test'],
    message: "workflows import only domain/ and the kinds' workflow-safe files (types, actions, recipes)",
  },
  {
    target: ['./plan', './render'],
    from: ['./activities', './lab', './src', './scripts', './test'],
    message: 'the plan loader and the renderers sit below the activities and the application',
  },
  {
    target: './store',
    from: ['./kinds', './workflows', './activities', './plan', './lab', './src', './scripts', './test'],
    message: 'the stores import only domain/ and the renderers (a report is saved as rendered)',
  },
  {
    target: './activities',
    from: ['./src', './lab', './scripts', './test'],
    message: 'activities never import the application: src/worker.ts composes them',
  },
  { target: './src', from: ['./lab', './test'], message: 'the application does not import the lab or the tests' },
];
/** The zone that keeps a kind's production files above nothing but domain/ and kinds/. */
const KIND_ZONE = HOUSE_ZONES.find((zone) => zone.target === './kinds');

export default tseslint.config(
  { ignores: ['dist/**', 'builds/**', 'node_modules/**', 'tools/**', 'data/**', 'reports/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        AbortSignal: 'readonly',
        AbortController: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // No import circles anywhere: the domain is imported by all and imports nothing of the project.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // The house, drawn bottom up (README "Layout"): every arrow points down, none back up.
    //   lab/ (stand-ins, demo)  ->  src/ (CLI, worker, client, Slack endpoint)
    //   -> activities/ (the worker's drivers)  -> plan/ (YAML -> Plan), store/ (files) -> render/ (report, Slack blocks)
    //   -> workflows/ (the interpreter)  -> kinds/<kind>/ (one folder per component kind)  -> domain/ (vocabulary)
    // Circles between files, type-only imports included, are refused by scripts/import-cycles.ts.
    files: ['**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: HOUSE_ZONES,
        },
      ],
    },
  },
  {
    // A kind's unit tests (kinds/<kind>/*.test.ts) sit above everything, as every test does: they
    // load the kind's plans with the real loader (plan/) and compile them with the real compiler
    // (workflows/), through test/unit/support. Every other zone still holds for them.
    files: ['kinds/**/*.test.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        { basePath: import.meta.dirname, zones: HOUSE_ZONES.filter((zone) => zone !== KIND_ZONE) },
      ],
    },
  },
  {
    // Only the worker's composition root hands activities to the application.
    files: ['src/**/*.ts'],
    ignores: ['src/worker.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: './src',
              from: [
                './activities/**',
                './kinds/activitie[s].ts',
                './kinds/*/activities/**',
                './kinds/*/activities.ts',
                './kinds/kit/activities/**',
              ],
              message: 'the application reaches activities only through src/worker.ts, the composition root',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'domain/**/*.ts',
      'kinds/*/types.ts',
      'kinds/*/actions.ts',
      'kinds/*/*Actions.ts',
      'kinds/*/recipe.ts',
      'kinds/*/*Recipe.ts',
      'kinds/*/index.ts',
      'kinds/index.ts',
      'kinds/recipes.ts',
      'kinds/kit/recipe/*.ts',
      'kinds/kit/kind.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '@temporalio/*', 'zod', 'fs', 'child_process'],
              message: 'plain types, constants and pure functions: bundled into the workflow sandbox',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'child_process',
                'net',
                'http',
                'https',
                'mysql2*',
                'pg',
                '@opensearch-project/*',
                '@aws-sdk/*',
                '@slack/*',
                'zod',
              ],
              message: 'workflow code is deterministic: no I/O; do it in an activity',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/*.js', 'jest.config.js', 'jest.unit.config.js', 'scripts/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
