/** Runs once before all test files. Database templates are prepared here (see store tests). */
export default function setup(): void {}
