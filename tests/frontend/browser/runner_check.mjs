// Scenarios that exercise run.mjs --serve itself (tests/frontend/test_runner.py).
export async function storage({ browser }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route("http://runner.test/", (r) => r.fulfill({ body: "<p>runner</p>", contentType: "text/html" }));
  await page.goto("http://runner.test/");
  // What an earlier scenario stored, if its context leaked into this one.
  const earlier = await page.evaluate(() => {
    const had = localStorage.getItem("mark");
    localStorage.setItem("mark", "set");
    return had;
  });
  const cookies = (await context.cookies()).length;
  await context.addCookies([{ name: "mark", value: "1", url: "http://runner.test/" }]);
  return { earlier, cookies, contexts: browser.contexts().length };
}

export async function fails() {
  console.log("printed before failing");
  throw new Error("the scenario's own failure");
}

export async function closesBrowser({ browser }) {
  await browser.close();
  return { closed: true };
}
