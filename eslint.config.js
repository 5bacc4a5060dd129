// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '.tmp/',
      'node_modules/',
      'dist/',
      'src/amazon/generated/',
      'test-results/',
      '.sellerlink/',
      'spapi-models/',
      'bin/',
      '.dependency-cruiser.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Small steps: use cases, the Amazon layer, the composition, the commands and the HTTP routes
    // are named functions of at most 80 lines (page views and the simulator are exempt).
    files: [
      'src/{accounts,amazon,broker,cli,config,connections,events,jobs,kernel,lifecycle,listings,monitor,notify,orders,service,vault}/**/*.{ts,tsx}',
      'src/store/*.ts',
      'src/*.ts',
      'src/web/app.tsx',
      'src/web/routes/**/*.{ts,tsx}',
      'src/api/**/*.ts',
    ],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'src/cli/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
