/**
 * CI check for the vendored SP-API models: each `spapi-models/*.json` must match the SHA-256 listed
 * in `spapi-models/README.md` (byte-for-byte copies of Amazon's files), and `src/amazon/generated/`
 * must be exactly what `scripts/generate-model-types.ts` produces from them now.
 *
 * Usage: `node bin/sellerlink-dev.js scripts/check-models.ts`; exits 1 with one line per problem.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GENERATED_DIR, generateModelTypes, MODEL_FILES, repoRoot, sha256 } from './generate-model-types.js';

/** The `file → sha256` table of spapi-models/README.md. */
export function readExpectedHashes(root: string = repoRoot()): Map<string, string> {
  const readme = readFileSync(path.join(root, 'spapi-models', 'README.md'), 'utf8');
  const table = new Map<string, string>();
  for (const match of readme.matchAll(/^\|\s*`([^`]+\.json)`\s*\|\s*`([0-9a-f]{64})`\s*\|/gm)) {
    table.set(match[1]!, match[2]!);
  }
  return table;
}

/** Every problem found, as readable lines; empty when the models and generated types are in order. */
export function checkModels(root: string = repoRoot()): string[] {
  const problems: string[] = [];
  const expected = readExpectedHashes(root);
  const present = readdirSync(path.join(root, 'spapi-models')).filter((f) => f.endsWith('.json'));

  for (const file of MODEL_FILES) {
    if (!expected.has(file)) problems.push(`spapi-models/README.md has no SHA-256 for ${file}`);
  }
  for (const file of present) {
    if (!expected.has(file)) problems.push(`spapi-models/${file} is not listed in spapi-models/README.md`);
  }
  for (const [file, hash] of expected) {
    const full = path.join(root, 'spapi-models', file);
    if (!existsSync(full)) {
      problems.push(`spapi-models/${file} is listed in README.md but missing`);
      continue;
    }
    const actual = sha256(readFileSync(full));
    if (actual !== hash) {
      problems.push(
        `spapi-models/${file}: SHA-256 is ${actual}, README.md says ${hash} ` +
          "(the file must be a byte-for-byte copy of Amazon's model; update both together)",
      );
    }
  }
  // Generation reads the models; if one is missing the hash problems above already say why.
  if (problems.length > 0) return problems;

  const generated = generateModelTypes(root);
  for (const [relative, content] of generated) {
    const full = path.join(root, relative);
    if (!existsSync(full)) problems.push(`${relative} is missing: run \`npm run generate:models\``);
    else if (readFileSync(full, 'utf8') !== content) {
      problems.push(`${relative} is out of date: run \`npm run generate:models\``);
    }
  }
  const generatedDir = path.join(root, GENERATED_DIR);
  if (existsSync(generatedDir)) {
    for (const file of readdirSync(generatedDir)) {
      const relative = `${GENERATED_DIR}/${file}`;
      if (!generated.has(relative)) problems.push(`${relative} is not generated from any model: delete it`);
    }
  }
  return problems;
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(path.resolve(invokedPath)).href) {
  const problems = checkModels();
  if (problems.length > 0) {
    console.error(`check-models: ${problems.length} problem(s)`);
    for (const problem of problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
  console.log(`check-models: ${MODEL_FILES.length} models match README.md and generated types are current`);
}
