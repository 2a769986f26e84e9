// One test run for the widget and the agent console.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __WIDGET_VERSION__: JSON.stringify('test') },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  test: {
    include: ['shared/**/*.test.ts', 'widget/**/*.test.{ts,tsx}', 'console/**/*.test.{ts,tsx}'],
    environment: 'jsdom',
  },
});
