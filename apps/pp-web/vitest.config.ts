import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  test: {
    name: 'pp-web',
    environment: 'jsdom',
    // Typing into jsdom is slow when the machine is busy (CI runs the services' suites beside it).
    testTimeout: 30_000,
    include: ['src/**/*.test.tsx'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
  },
});
