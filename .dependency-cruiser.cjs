/** Dependency rules from docs/architecture.md: checked in CI by `npm run depcheck`. */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'kernel-depends-on-nothing',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^src/', pathNot: '^src/kernel/' },
    },
    {
      name: 'simulator-only-uses-kernel',
      severity: 'error',
      from: { path: '^src/simulator/' },
      to: { path: '^src/', pathNot: '^src/(simulator|kernel)/' },
    },
    {
      name: 'client-only-uses-its-schema',
      comment: 'The typed API client (sellerlink/client) ships alone: it imports only its generated types.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: '^src/client/' },
    },
    {
      name: 'nothing-but-composition-uses-simulator',
      comment: 'The service reaches the simulator over fetch, never by importing its internals.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(simulator|cli|service)/' },
      to: { path: '^src/simulator/' },
    },
    {
      name: 'web-api-and-cli-never-touch-sql',
      comment: 'The HTTP and command-line layers call use cases; SQL lives in the contexts and store/.',
      severity: 'error',
      from: { path: '^src/(web|api|cli)/' },
      to: {
        path: '(^src/store/(migrations|dialects|database)|(^node_modules/(kysely|pg|@electric-sql)/))',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'amazon-imports-no-storage',
      comment:
        'The Amazon protocol layer is storage-free; its rate limiter reaches the database through a port.',
      severity: 'error',
      from: { path: '^src/amazon/' },
      to: { path: '(^src/store/)|(^node_modules/(kysely|pg|pg-boss|@electric-sql)/)' },
    },
    {
      name: 'store-never-imports-web',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(web|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
