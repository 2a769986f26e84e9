/// <reference types="vite/client" />

/** The package version, set by the build (`define` in vite.config.ts). */
declare const __WIDGET_VERSION__: string;
