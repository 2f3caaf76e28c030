// Runs one browser scenario against the app: `node run.mjs <scenario>` with
// a JSON config on stdin ({baseUrl, artifacts, chromium, ...scenario params}).
// Prints "RESULT <json>" for pytest to assert on; exits 1 on any failure.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as admin from "./admin.mjs";
import * as aiScenarios from "./ai.mjs";
import * as dashboards from "./dashboards.mjs";
import * as etl from "./etl.mjs";
import * as shellScenarios from "./scenarios.mjs";
import * as settings from "./settings.mjs";
// PULSE_BROWSER_SCENARIOS: another suite's scenarios (tests/journey).
const extra = process.env.PULSE_BROWSER_SCENARIOS
  ? await import(process.env.PULSE_BROWSER_SCENARIOS)
  : {};

const frontend = process.env.PULSE_FRONTEND;
const require = createRequire(join(frontend, "package.json"));
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const scenarios = { ...shellScenarios, ...dashboards, ...admin, ...etl, ...settings, ...aiScenarios, ...extra };
const name = process.argv[2];
const config = JSON.parse(readFileSync(0, "utf8"));
const scenario = scenarios[name];
if (!scenario) throw new Error(`unknown scenario ${name}`);

const browser = await chromium.launch({
  executablePath: config.chromium,
  // Root in a container: no user namespaces for the sandbox. "localhost" is
  // pinned to IPv4 where the servers listen.
  args: ["--no-sandbox", "--host-resolver-rules=MAP localhost 127.0.0.1"],
});
try {
  const result = await scenario({ browser, config, axeSource });
  console.log("RESULT " + JSON.stringify(result));
} catch (err) {
  console.error(err?.stack ?? String(err));
  process.exitCode = 1;
} finally {
  await browser.close();
}
