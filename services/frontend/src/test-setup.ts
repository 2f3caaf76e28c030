import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, beforeAll } from "vitest";

// vite.config.ts runs every file in one jsdom (isolate: false): building a
// fresh jsdom per file cost more CPU than all the tests. This file runs
// before each test file, so it gives each file what a fresh jsdom did.
beforeAll(() => {
  document.body.replaceChildren();
  document.head.replaceChildren();
  const root = document.documentElement;
  for (const name of root.getAttributeNames()) root.removeAttribute(name);
  localStorage.clear();
  sessionStorage.clear();
});

// Testing Library unmounts after each test only in the file that first
// imported it (its own afterEach); with one module cache, every file needs it.
afterEach(() => {
  cleanup();
});
