// The counter UI's build (station serve builds on demand through core/ui-build.ts).
// base './' so the same build loads from file:// in Electron later.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  logLevel: 'warn',
});
