import { defineConfig } from "vitest/config";

// No React plugin: esbuild's automatic JSX runtime is all the app needs.
// Everything is bundled locally; the desktop shell enforces a strict CSP
// (no inline scripts, no eval, no remote resources).
export default defineConfig({
  base: "./",
  esbuild: {
    jsx: "automatic",
  },
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // Keep the bundle self-contained: never inline assets as anything but data: URIs.
    assetsInlineLimit: 4096,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    // Layout tests read the real stylesheets (src/test/appStyles.ts); without this Vitest
    // hands every .css import, ?raw included, over as an empty string.
    css: { include: [/\.css/] },
    restoreMocks: true,
    // Typing into a whole form with user-event takes seconds on a loaded 2-core CI host; the
    // default 5 s made the slowest form test fail there without anything being wrong.
    testTimeout: 20_000,
  },
});
