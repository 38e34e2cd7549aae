// Lint rules: typescript-eslint's recommended set, plus the module boundaries of DESIGN.md
// (a lib never imports an app; code outside a lib imports it only through its public index).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'libs/contracts/src/generated/**', '.data/**', '.nx/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/apps/**', '../../apps/*'], message: 'Libraries and apps never import an app.' },
            { group: ['@assay/*/*'], message: "Import a library through its public index ('@assay/<lib>') only." },
            { group: ['../../libs/*', '../../../libs/*'], message: "Import a library by its alias '@assay/<lib>', not by path." },
          ],
        },
      ],
    },
  },
);
