// ESLint flat config for the whole workspace: the recommended rules of ESLint, typescript-eslint
// and eslint-plugin-svelte, with eslint-config-prettier last so formatting is Prettier's alone.
// https://typescript-eslint.io/getting-started/ · https://sveltejs.github.io/eslint-plugin-svelte/user-guide/
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

export default ts.config(
  {
    ignores: [
      '**/dist/',
      '**/.svelte-kit/',
      '**/.wrangler/',
      '**/node_modules/',
      '**/test-results/',
      '**/playwright-report/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs['flat/recommended'],
  prettier,
  ...svelte.configs['flat/prettier'],
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.serviceworker } },
    rules: {
      // `_unused` names document what a destructuring leaves out.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // The dashboard is served at its origin's root (no `paths.base`): plain hrefs are right.
      'svelte/no-navigation-without-resolve': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
  },
);
