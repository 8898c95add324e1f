import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const CP_API = process.env.CP_API_URL ?? 'http://127.0.0.1:3002';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // CP's API serves these files; hashed assets can be cached forever, index.html and sw.js never.
    assetsDir: 'assets',
    sourcemap: false,
  },
  server: {
    port: 5174,
    // No changeOrigin: CP refuses unsafe requests from another origin (see apps/pp-web/vite.config.ts).
    proxy: { '/api': { target: CP_API } },
  },
});
