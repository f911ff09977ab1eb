// ESLint for the whole project: TypeScript's recommended rules, and workflow code kept free of I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'tools/**', 'data/**', 'reports/**', 'coverage/**'] },
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
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'child_process', 'net', 'http', 'https', 'mysql2*', 'pg', '@opensearch-project/*', '@aws-sdk/*', '@slack/*'], message: 'workflow code is deterministic: no I/O; do it in an activity' },
            { group: ['../activities/*', '../../activities/*', '../activities', '../../activities'], allowTypeImports: false, message: 'workflows must not import activities; use workflows/contract.ts' },
          ],
        },
      ],
    },
  },
  { files: ['bin/*.js', 'jest.config.js'], languageOptions: { sourceType: 'commonjs' } },
);
