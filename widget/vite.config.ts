// Builds the embeddable widget into the Python package's static directory:
//   widget.js             the loader host pages include (short cache)
//   widget-<hash>.js      the chat app, one minified IIFE (cached for a year)
// The loader is compiled from src/loader.ts after the app, so it can name the
// app's hashed file.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, transformWithEsbuild, type Plugin } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const version: string = JSON.parse(readFileSync(here('../package.json'), 'utf8')).version;
// The server serves every file of the static directory under this path.
const STATIC_PREFIX = 'static/widget/';

// python-engineio speaks no WebTransport; dropping engine.io-client's
// WebTransport transport saves about 1 KB gzip.
function withoutWebTransport(): Plugin {
  const stub = '\0webtransport-stub';
  return {
    name: 'webchat-without-webtransport',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './webtransport.js' && importer?.includes('engine.io-client')) return stub;
      return null;
    },
    load(id) {
      return id === stub ? 'export class WT {}' : null;
    },
  };
}

function loader(): Plugin {
  return {
    name: 'webchat-loader',
    async generateBundle(_options, bundle) {
      const app = Object.values(bundle).find((chunk) => chunk.type === 'chunk' && chunk.isEntry);
      if (!app) this.error('no app chunk to point the loader at');
      const source = readFileSync(here('src/loader.ts'), 'utf8');
      const { code } = await transformWithEsbuild(source, 'loader.ts', {
        loader: 'ts',
        format: 'iife',
        target: 'es2019',
        minify: true,
        define: { __APP_PATH__: JSON.stringify(STATIC_PREFIX + app.fileName) },
      });
      this.emitFile({ type: 'asset', fileName: 'widget.js', source: code });
    },
  };
}

export default defineConfig({
  root: here('.'),
  publicDir: false,
  define: {
    'process.env.NODE_ENV': '"production"',
    __WIDGET_VERSION__: JSON.stringify(version),
  },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact', legalComments: 'none' },
  plugins: [withoutWebTransport(), loader()],
  build: {
    outDir: here('../src/webchat/widget/static'),
    emptyOutDir: true,
    target: 'es2022',
    minify: 'esbuild',
    sourcemap: false,
    modulePreload: false,
    reportCompressedSize: true,
    rollupOptions: {
      input: here('src/embed.ts'),
      output: {
        format: 'iife',
        entryFileNames: 'widget-[hash].js',
        inlineDynamicImports: true,
      },
    },
  },
});
