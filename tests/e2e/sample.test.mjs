// End-to-end: first run with no network — the welcome screen offers the bundled sample,
// and cards are there to answer soon after. Prints the time from launch to the first card.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import { launchApp } from "./lib/app.mjs";

describe("first run with the offline sample", { timeout: 300_000 }, () => {
  let app;
  let launchedAt;

  before(async () => {
    launchedAt = Date.now();
    app = await launchApp();
  });

  after(async () => {
    await app?.stop();
  });

  it("welcomes a new user with the three ways to start", async () => {
    const { session } = app;
    await session.waitFor('[data-testid="view-for-you"] [data-testid="first-run-sample"]', { what: "the welcome screen" });
    assert.ok(await session.find('[data-testid="first-run-add-feed"]'));
    assert.ok(await session.find('[data-testid="first-run-import"]'));
  });

  it("loads the sample and shows a card within a minute", async (t) => {
    const { session } = app;
    await session.click('[data-testid="first-run-sample"]');
    await session.click('[data-testid="nav-cards"]');
    // Cards work on what is embedded so far: the first ones come before embedding ends.
    await session.waitFor('[data-testid="card"]', { timeoutMs: 60_000, what: "a card from the sample" });
    const seconds = ((Date.now() - launchedAt) / 1000).toFixed(1);
    t.diagnostic(`launch to first card: ${seconds} s`);
    console.log(`# sample: launch to first card: ${seconds} s`);
    assert.ok((await session.text('[data-testid="card"] h2')).length > 0);
  });
});
