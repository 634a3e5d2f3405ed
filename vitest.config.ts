import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['node-core/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Protocol tests are CPU-bound; two cores, so two workers.
    maxWorkers: 2
  }
})
