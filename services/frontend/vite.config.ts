/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import securityHeaders from "./security-headers.json" with { type: "json" };

// The browser talks to one origin: /api is proxied to the backend in dev and
// preview (production serves both behind one ingress).
const api = process.env.PULSE_API_URL ?? "http://127.0.0.1:3001";
const proxy = { "/api": { target: api, changeOrigin: false, ws: true } };

export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true, proxy },
  // The browser tests run the built app under the production headers (CSP
  // included); nginx.conf sends the same ones (a test compares them).
  preview: { port: 5173, strictPort: true, proxy, headers: securityHeaders },
  // The budget (250 kB gzipped initial JS) is checked by scripts/bundle-size.mjs.
  build: { sourcemap: false, chunkSizeWarningLimit: 600 },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test-setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // One jsdom and one module cache for all files: a fresh jsdom per file
    // was about three quarters of the suite's CPU (40 s -> 10 s).
    // src/test-setup.ts resets what a fresh one gave each file, and the files
    // run in a random order (the seed is printed) so that a leak between
    // files cannot hide behind a lucky order.
    isolate: false,
    sequence: { shuffle: { files: true, tests: false } },
    // The machine is shared by several jobs: no test here measures speed.
    testTimeout: 30_000,
  },
});
