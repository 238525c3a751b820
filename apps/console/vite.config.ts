import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Built into dist/console, which the API serves at /console (apps/api/src/console/console-static.ts).
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The editor and the charts are split into chunks of their own; the first screen loads neither.
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev -w apps/console` against an API on CONSOLE_API (default http://127.0.0.1:3100).
    proxy: { '/v1': process.env.CONSOLE_API ?? 'http://127.0.0.1:3100' },
  },
  test: { include: ['src/**/*.test.ts', 'src/**/*.test.tsx'], environment: 'node' },
});
