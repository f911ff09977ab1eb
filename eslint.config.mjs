// ESLint for the whole project: TypeScript's recommended rules, and workflow code kept free of I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['dist/**', 'builds/**', 'node_modules/**', 'tools/**', 'data/**', 'reports/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', AbortSignal: 'readonly', AbortController: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', NodeJS: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // No import circles anywhere: the domain is imported by all and imports nothing of the project.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })], 'import-x/extensions': ['.ts', '.js'], 'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] } },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', '!../domain', '!../plan', '!../sites', '!../phases', '!../tip', '!../tipRecovery'], message: 'the domain imports nothing of the project' },
            { group: ['node:*', '@temporalio/*', 'zod', 'fs', 'child_process'], message: 'the domain is plain types and constants, bundled into the workflow sandbox' },
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
            { group: ['node:*', 'fs', 'child_process', 'net', 'http', 'https', 'mysql2*', 'pg', '@opensearch-project/*', '@aws-sdk/*', '@slack/*'], message: 'workflow code is deterministic: no I/O; do it in an activity' },
            { group: ['**/activities', '**/activities/*'], message: 'workflows must not import activities; the activity contract is in domain/contract.ts' },
            { group: ['**/src', '**/src/*', '**/src/**'], message: 'workflows must not import from src/; shared types and constants live in domain/' },
          ],
        },
      ],
    },
  },
  { files: ['bin/*.js', 'jest.config.js', 'jest.unit.config.js'], languageOptions: { sourceType: 'commonjs' } },
);
