// Lint rules that catch what the compiler does not: promises nobody awaits or handles,
// unused code, and misuse of async functions. Run by `npm test` (`npm run lint`).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test/fixtures/**', 'src/console/static/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() and describe() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unused-expressions': 'error',
      '@typescript-eslint/require-await': 'off',
      'no-unreachable': 'error',
      'no-fallthrough': 'error',
      // `n += await f()` reads `n` before the await: concurrent loops then overwrite each
      // other's counts (a bench once under-counted 16 loops this way). The core rule
      // require-atomic-updates also flags every reassignment after an await, mostly wrongly.
      'no-restricted-syntax': ['error', {
        // Arithmetic and string ones only: `x ??= (async () => ...)()` starts a task, it does not await.
        selector: "AssignmentExpression[operator=/^([-+*/%]|\\*\\*)=$/] AwaitExpression",
        message: 'a compound assignment around an await reads its target before the await; await into a const first',
      }],
    },
  },
);
