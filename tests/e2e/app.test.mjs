// End-to-end: the real app binary, a fresh data directory, driven through its window.
// Run with `npm run e2e` (see tests/e2e/lib/app.mjs for the environment it honours).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import { launchApp } from "./lib/app.mjs";

const VIEWS = ["for-you", "cards", "articles", "map", "feeds", "settings"];

describe("the Sift window", { timeout: 180_000 }, () => {
  let app;

  before(async () => {
    app = await launchApp();
  });

  after(async () => {
    await app?.stop();
  });

  it("shows the navigation and every view when its button is clicked", async () => {
    const { session } = app;
    for (const view of VIEWS) {
      await session.click(`[data-testid="nav-${view}"]`);
      await session.waitFor(`[data-testid="view-${view}"]`, { what: `the ${view} view after clicking its button` });
      const current = await session.find(`[data-testid="nav-${view}"][aria-current="page"]`);
      assert.ok(current, `nav-${view} is marked as the current page`);
    }
  });

  it("switches views with the number keys", async () => {
    const { session } = app;
    await session.execute("document.activeElement?.blur?.()");
    await session.pressKeys(["2"]);
    await session.waitFor('[data-testid="view-cards"]', { what: "the Cards view after pressing 2" });
    await session.pressKeys(["5"]);
    await session.waitFor('[data-testid="view-feeds"]', { what: "the Feeds view after pressing 5" });
  });

  it("shows the engine's answer in Settings: a real command round-trip", async () => {
    const { session, dataDir } = app;
    await session.click('[data-testid="nav-settings"]');
    const shownDir = await session.waitUntil(
      async () => {
        const element = await session.find('[data-testid="info-data-dir"]');
        return element && (await element.text());
      },
      { what: "the data directory in Settings" },
    );
    assert.equal(shownDir, dataDir, "Settings shows the data directory the test gave the app");
    const version = await session.text('[data-testid="info-version"]');
    assert.match(version, /^\d+\.\d+\.\d+/, "Settings shows the engine's version");
  });

  it("shows honest empty states on a new store", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-for-you"]');
    const text = await session.text('[data-testid="view-for-you"] [data-testid="empty-state"]');
    assert.ok(text.length > 0, "For you explains why it is empty");
  });
});
