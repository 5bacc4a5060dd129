import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The suite's slowest files, slowest first (seconds in CI, two files at a time). Started first, they
 * run beside the many short files instead of alone at the end: with the chaos test (about 4.5
 * minutes) last, the suite took 950 s; the sum of all files is about 1,500 s, so about 750 s is
 * the floor with two workers.
 */
const LONG_FIRST = [
  'test/chaos/chaos.test.ts',
  'test/jobs/takeover.test.ts',
  'test/orders/report-crash.test.ts',
  'test/jobs/multiprocess.test.ts',
  'test/orders/crash.test.ts',
  'test/simulator/sandbox-roles.test.ts',
  'test/cli/operator.test.ts',
];

/** Vitest's order (by earlier durations, else size), with the files above moved to the front. */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const at = LONG_FIRST.findIndex((path) => file.moduleId.replaceAll('\\', '/').endsWith(path));
      return at < 0 ? LONG_FIRST.length : at;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
