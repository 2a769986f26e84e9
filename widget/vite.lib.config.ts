// Builds the ES module entry (src/index.ts) for sites that bundle their own
// front end: widget/dist/webchat-widget.js, with preact and socket.io-client
// left as imports so the host's bundler shares one copy of each.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const version: string = JSON.parse(readFileSync(here('../package.json'), 'utf8')).version;

export default defineConfig({
  root: here('.'),
  publicDir: false,
  define: { __WIDGET_VERSION__: JSON.stringify(version) },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact', legalComments: 'none' },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2019',
    minify: false,
    lib: { entry: here('src/index.ts'), formats: ['es'], fileName: () => 'webchat-widget.js' },
    rollupOptions: { external: [/^preact(\/.*)?$/, 'socket.io-client'] },
  },
});
