// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'build/**', '**/*.js.map'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // Imports flow one way (../shared/GUIDE.md): core <- io <- preprocess <- models <- tasks <- evaluation <- storage <- serve/cli.
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../io/*', '../preprocess/*', '../models/*', '../tasks/*', '../evaluation/*', '../cli/*', '../serve/*', '../storage/*'] }] },
  },
  {
    files: ['src/io/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../preprocess/*', '../models/*', '../tasks/*', '../evaluation/*', '../cli/*', '../serve/*', '../storage/*'] }] },
  },
  {
    files: ['src/preprocess/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../models/*', '../tasks/*', '../evaluation/*', '../cli/*', '../serve/*', '../storage/*'] }] },
  },
  {
    files: ['src/models/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../../tasks/*', '../tasks/*', '../../evaluation/*', '../evaluation/*', '../../cli/*', '../cli/*', '../../serve/*', '../serve/*'] }] },
  },
);
