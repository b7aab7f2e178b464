// Builds the console into dist/console: content-hashed files under assets/ (the API serves them with a year-long
// cache), index.html (served with no-cache) and a manifest the API checks to know a build is there.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    manifest: true,
    sourcemap: false,
    // Nothing inline: the API's Content-Security-Policy allows scripts and styles from 'self' files only.
    assetsInlineLimit: 0,
    // The graph layout (elkjs, React Flow) is large and only the Run page needs it: that page loads it with a
    // dynamic import, so it is a chunk of its own.
    chunkSizeWarningLimit: 2000,
  },
  // `vite --config console/vite.config.ts` serves the sources with hot reload; the API calls go to a running API
  // (the local platform's by default).
  server: { proxy: { "/v1": process.env.LOCO_API_URL ?? "http://127.0.0.1:8800" } },
});
