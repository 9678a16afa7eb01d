// @ts-check
// ESLint flat config. Library code (src/) is linted strictly with type information:
// no `any`, no unsafe flows of `any`. Tests, benchmarks, examples and scripts use the
// same type-aware parser with the unsafe-* family off, so they are still linted.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const tsFiles = ['**/*.ts', '**/*.mts', '**/*.cts'];
const jsFiles = ['**/*.js', '**/*.mjs', '**/*.cjs'];
const looseDirs = ['test', 'bench', 'examples', 'scripts'];

/** Node's globals, for the plain-JS scripts (kept here instead of a dependency). */
const nodeGlobals = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'globalThis', 'performance',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate',
    'clearImmediate', 'queueMicrotask', 'structuredClone', 'fetch', 'TextEncoder',
    'TextDecoder', 'AbortController', 'navigator',
  ].map((name) => [name, /** @type {const} */ ('readonly')]),
);

export default defineConfig(
  globalIgnores(['dist/', 'docs/api/', 'node_modules/', 'test/.examples/', 'out/', 'coverage/', 'examples/playground/dist/']),

  // Every TypeScript file: recommended + type-checked rules, numeric-code friendly.
  {
    files: tsFiles,
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.config.ts', '*.config.mts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Shapes and indices are checked by hand; `xs[i]!` after a bounds check is normal,
      // and stays meaningful if `noUncheckedIndexedAccess` is turned on later.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Messages interpolate shapes, axes and dtypes.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true, allowArray: true },
      ],
      '@typescript-eslint/restrict-plus-operands': ['error', { allowNumberAndString: true }],
      // `async` for a uniform API (e.g. `setBackend`) even when nothing is awaited yet.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },

  // Library code: strict about `any`.
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
    },
  },

  // Tests, benchmarks, examples, scripts: same parser, relaxed about `any`.
  {
    files: looseDirs.flatMap((dir) => tsFiles.map((glob) => `${dir}/${glob}`)),
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // `expect(obj.method)` and method tables are fine in tests.
      '@typescript-eslint/unbound-method': 'off',
    },
  },

  // Plain JavaScript (config files, .mjs scripts): no type information.
  {
    files: jsFiles,
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: nodeGlobals },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
