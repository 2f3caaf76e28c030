// Runs browser scenarios against the app, two ways:
// - `node run.mjs <scenario>` with a JSON config on stdin ({baseUrl,
//   artifacts, chromium, ...scenario params}): one scenario in its own
//   chromium; prints "RESULT <json>", exits 1 on any failure.
// - `node run.mjs --serve`: one chromium for many scenarios (launching node
//   and chromium per scenario cost seconds each). Each stdin line is a
//   request {id, scenario, config, modules}; each answer is one stdout line
//   "ANSWER <json>" {id, ok, result, log}, `log` being what the scenario
//   printed (and the error's stack). Each scenario makes its own browser
//   contexts (lib.mjs newPage: cookies and storage of its own); whatever it
//   left open is closed after it, and a browser that died is launched again
//   for the next request. The process ends when stdin closes.
// PULSE_BROWSER_SCENARIOS (single run) or `modules` (serve): another suite's
// scenarios (tests/journey).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { format } from "node:util";
import * as admin from "./admin.mjs";
import * as aiScenarios from "./ai.mjs";
import * as charts from "./charts.mjs";
import * as corrections from "./corrections.mjs";
import * as dashboards from "./dashboards.mjs";
import * as desktopPass from "./desktoppass.mjs";
import * as etl from "./etl.mjs";
import * as executive from "./executive.mjs";
import * as filterBar from "./filterbar.mjs";
import * as firstDay from "./firstday.mjs";
import * as phonePass from "./phonepass.mjs";
import * as phoneTables from "./phonetables.mjs";
import * as shellScenarios from "./scenarios.mjs";
import * as tenantAdmin from "./tenantadmin.mjs";
import * as settings from "./settings.mjs";
import * as walkScenarios from "./walk.mjs";
import * as zone from "./zone.mjs";

const frontend = process.env.PULSE_FRONTEND;
const require = createRequire(join(frontend, "package.json"));
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const own = { ...shellScenarios, ...dashboards, ...charts, ...admin, ...etl, ...executive, ...settings, ...tenantAdmin, ...aiScenarios, ...corrections, ...walkScenarios, ...zone, ...filterBar, ...firstDay, ...phoneTables, ...phonePass, ...desktopPass };

async function scenarioNamed(name, modules) {
  const extra = {};
  for (const path of modules) Object.assign(extra, await import(path));
  const scenario = { ...own, ...extra }[name];
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  return scenario;
}

function launch(config) {
  return chromium.launch({
    executablePath: config.chromium,
    // Root in a container: no user namespaces for the sandbox. "localhost" is
    // pinned to IPv4 where the servers listen.
    args: ["--no-sandbox", "--host-resolver-rules=MAP localhost 127.0.0.1"],
  });
}

async function runOnce(name) {
  const config = JSON.parse(readFileSync(0, "utf8"));
  const modules = process.env.PULSE_BROWSER_SCENARIOS ? [process.env.PULSE_BROWSER_SCENARIOS] : [];
  const scenario = await scenarioNamed(name, modules);
  const browser = await launch(config);
  try {
    const result = await scenario({ browser, config, axeSource });
    console.log("RESULT " + JSON.stringify(result));
  } catch (err) {
    console.error(err?.stack ?? String(err));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

/** What `fn` prints through console, as text, beside its outcome. */
async function captured(fn) {
  const log = [];
  const saved = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    saved[level] = console[level];
    console[level] = (...args) => log.push(format(...args));
  }
  try {
    return { ...(await fn()), log };
  } catch (err) {
    log.push(err?.stack ?? String(err));
    return { ok: false, log };
  } finally {
    Object.assign(console, saved);
  }
}

// PULSE_BROWSER_PROFILE=1: each answer carries the seconds spent per Page
// method (where a scenario's wall goes), summed over its calls.
const PROFILED = ["goto", "reload", "waitForLoadState", "waitForFunction", "waitForResponse", "screenshot", "evaluate"];
let profile = null;
async function profilePages(browser) {
  const context = await browser.newContext();
  const proto = Object.getPrototypeOf(await context.newPage());
  await context.close();
  for (const name of PROFILED) {
    const original = proto[name];
    proto[name] = async function (...args) {
      const start = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        if (profile) profile[name] = (profile[name] ?? 0) + (performance.now() - start) / 1000;
      }
    };
  }
}

async function serve() {
  let browser = null;
  let profiled = false;
  const answer = (message) => process.stdout.write("ANSWER " + JSON.stringify(message) + "\n");
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const { id, scenario: name, config, modules = [] } = JSON.parse(line);
    const outcome = await captured(async () => {
      const scenario = await scenarioNamed(name, modules);
      if (!browser?.isConnected()) browser = await launch(config);
      if (process.env.PULSE_BROWSER_PROFILE && !profiled) {
        await profilePages(browser);
        profiled = true;
      }
      profile = process.env.PULSE_BROWSER_PROFILE ? {} : null;
      const before = new Set(browser.contexts());
      try {
        return { ok: true, result: await scenario({ browser, config, axeSource }) };
      } finally {
        // Pages left open would go on polling and holding WebSockets.
        const left = browser.contexts().filter((c) => !before.has(c));
        await Promise.all(left.map((c) => c.close().catch(() => {})));
      }
    });
    answer({ id, ...outcome, ...(profile ? { profile } : {}) });
    profile = null;
  }
  await browser?.close();
}

if (process.argv[2] === "--serve") await serve();
else await runOnce(process.argv[2]);
