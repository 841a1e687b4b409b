import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*/test/**/*.test.ts'],
    reporters: ['default', './vitest.summary-reporter.ts'],
    // Storage tests create their own PostgreSQL databases; two workers match the machine's two cores.
    maxWorkers: 2,
    // Generous: CI machines are shared, and PGlite compiles its WebAssembly on every start.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default; a loaded CI machine took longer than that to render
    // the adapters list after sign-in. A poll still fails, just later, when the thing never happens.
    expect: { poll: { timeout: 15_000 } },
  },
});
