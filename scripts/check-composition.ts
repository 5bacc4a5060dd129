/**
 * Dependency rule beyond imports (run by `npm run depcheck`): the service is wired in one place.
 * Only the composition factory (`src/service/`) constructs the services: calls of their factories anywhere else under
 * `src/` fail the check, so no second copy of the wiring can grow in a command, a route or a context.
 * Tests and benches get the graph from the same factory (test/support/compose.ts).
 *
 * Usage: `node bin/sellerlink-dev.js scripts/check-composition.ts`; exits 1 with one line per call.
 */
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { sourceFiles } from './source-files.js';

/** Factories of the services one process runs: constructed by the composition factory only. */
export const SERVICE_FACTORIES: ReadonlySet<string> = new Set([
  'createAccounts',
  'createAds',
  'createAdsClient',
  'createApiKeys',
  'createProvisioning',
  'createAmazonStack',
  'createApplications',
  'createAuditLog',
  'createConnectionManager',
  'createOAuthFlow',
  'createConnect',
  'createConnectionLifecycle',
  'createTokenBroker',
  'createSpApiClient',
  'createLwaClient',
  'createGrantlessTokens',
  'createRateLimiter',
  'createRateBucketStore',
  'createListingOutbox',
  'createListingDrainer',
  'createOrderImporter',
  'createOrders',
  'createOrderQueries',
  'createSecretRotation',
  'createMonitor',
  'createNotify',
  'createRefreshTokenResealer',
  'createSandboxTools',
  'createWebApp',
  'createMailCatcher',
  'createSmtpMailer',
  'createMetrics',
  'createVault',
  'openKeyRing',
  'startJobs',
  'startListingJobs',
  'startMonitorJobs',
  'startOrderJobs',
  'createAnalytics',
  'createAnalyticsFetcher',
  'startAnalyticsJobs',
  'startNotifyJobs',
  'startSandboxSimulator',
  'joinSandboxSimulator',
  'openStore',
]);

/** Where constructing services is the job. */
const COMPOSITION = ['src/service/'];

/** Single calls elsewhere that are not the service's wiring, each with its reason. */
const ALLOWED: readonly { file: string; name: string; why: string }[] = [
  { file: 'src/store/upgrade.ts', name: 'openStore', why: '`sellerlink migrate` runs the migrations only' },
];

/** One construction outside the composition factory. */
export interface StrayConstruction {
  file: string;
  line: number;
  name: string;
}

/** The service constructions in one source text (file is repo-relative, with forward slashes). */
export function findStrayConstructions(file: string, text: string): StrayConstruction[] {
  if (COMPOSITION.some((place) => file.startsWith(place))) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: StrayConstruction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      const name = node.expression.text;
      if (SERVICE_FACTORIES.has(name) && !ALLOWED.some((a) => a.file === file && a.name === name)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        found.push({ file, line, name });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every stray construction under `root/src` (factories may call each other within their own module). */
export function checkComposition(root: string): StrayConstruction[] {
  return sourceFiles(root).flatMap(({ file, text }) => findStrayConstructions(file, text));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const stray = checkComposition(process.cwd());
  for (const s of stray)
    console.error(`${s.file}:${s.line}: ${s.name}(...) outside the composition factory (src/service/)`);
  if (stray.length > 0) process.exit(1);
  console.log('composition: services are constructed only by the composition factory');
}
