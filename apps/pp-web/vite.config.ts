import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const PP_API = process.env.PP_API_URL ?? 'http://127.0.0.1:3001';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // PP's API serves these files; hashed assets can be cached forever, index.html never.
    assetsDir: 'assets',
    sourcemap: false,
  },
  server: {
    port: 5173,
    // No changeOrigin: PP refuses unsafe requests whose Origin differs from Host, and the browser's Origin is
    // the dev server's, so the Host header must stay the dev server's too.
    proxy: { '/api': { target: PP_API } },
  },
});
