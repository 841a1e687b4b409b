import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is built into portal/dist, which the BFF serves. `npm run dev -w @crosswire/portal`
// runs Vite's dev server and sends /api and /bff to a running BFF (PORTAL_DEV_BFF, default :3000).
const bff = process.env.PORTAL_DEV_BFF ?? 'http://localhost:3000';

export default defineConfig({
  root: fileURLToPath(new URL('./src/app', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: { '/api': bff, '/bff': bff },
  },
});
