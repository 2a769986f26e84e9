import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is a plain single-page app. The server sends GET /console ->
// static/index.html and every other file of static/ at /static/console/<name>.
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/static/console/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../src/webchat/console/static/', import.meta.url)),
    emptyOutDir: true,
    // The page runs under `script-src 'self'`: no inline bootstrap code.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2020',
    sourcemap: false,
    // Flat asset names: the server serves one folder, /static/console/<name>.
    assetsDir: '',
    rollupOptions: {
      output: {
        entryFileNames: 'console-[hash].js',
        chunkFileNames: 'chunk-[hash].js',
        assetFileNames: 'console-[hash][extname]',
      },
    },
  },
});
