// End-to-end: Sift in the background, on a private desktop session (lib/desktop.mjs: its
// own D-Bus session bus, a notification server that records what it is shown, a tray the
// icon registers with). The reader likes sport, turns notifications on and mutes a word;
// closes the window (as a title bar's close button does) and Sift stays in the tray; a
// refresh started from the tray menu while the window is closed brings two new sport
// articles, and the notification names the one that is not muted; Show brings the window
// back; Quit in the tray menu (clicked over dbusmenu, as a desktop's tray does) ends the
// process. Needs the model files (models/fetch.sh), dbus-daemon and python3-gi.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { launchApp, REPO_ROOT } from "./lib/app.mjs";
import { renderAllRows } from "./lib/rows.mjs";
import { startDesktop } from "./lib/desktop.mjs";
import { startFixtureServer } from "./lib/fixtures.mjs";

const EMBED_TIMEOUT_MS = 150_000;
const SAMPLE = JSON.parse(readFileSync(join(REPO_ROOT, "crates", "core", "sample", "sample.json"), "utf8"));
const TOPICS = ["Sports", "Science", "Politics & economy", "Arts & culture"];
const PER_TOPIC = 8;

const byTopic = (topic) => SAMPLE.items.filter((i) => i.tags?.[0] === topic);
const sport = byTopic("Sports");
/** The two sport articles the feed gains while the window is closed. */
const [mutedNews, goodNews] = [sport[PER_TOPIC], sport[PER_TOPIC + 1]];
/** A word of the muted article's title that the other new article does not contain. */
const mutedWord = mutedNews.title
  .split(/[^\p{L}\p{N}]+/u)
  .find((w) => w.length > 3 && !`${goodNews.title} ${goodNews.content_text}`.toLowerCase().includes(w.toLowerCase()));

/** As the app escapes a notification body (notification servers read markup). */
const escapeMarkup = (text) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

describe("Sift in the background", { timeout: 600_000 }, () => {
  let desktop;
  let server;
  let app;
  let trayName;
  let published = false;

  /** The feed: PER_TOPIC articles of each topic, then two more sport ones once published. */
  function feed() {
    const items = TOPICS.flatMap((t) => byTopic(t).slice(0, PER_TOPIC));
    if (published) items.push(mutedNews, goodNews);
    const start = Date.parse("2026-11-01T08:00:00Z");
    const dated = items.map((item, i) => ({ ...item, date_published: new Date(start + i * 3_600_000).toISOString() }));
    return { type: "application/feed+json", body: JSON.stringify({ ...SAMPLE, title: "Background (e2e fixture)", items: dated }) };
  }

  before(async () => {
    assert.ok(mutedWord, `a word to mute in ${mutedNews.title}`);
    desktop = await startDesktop();
    server = await startFixtureServer({ dynamic: { "/background.json": feed } });
    app = await launchApp({ env: desktop.env });
  });

  after(async () => {
    await app?.stop();
    await server?.close();
    await desktop?.stop();
  });

  const listed = async () =>
    (await renderAllRows(app.session)) &&
    app.session.execute(
      `return [...document.querySelectorAll('[data-testid="rec-item"]')].map((e) => ({
        id: e.dataset.id,
        title: e.querySelector(".title").textContent.trim(),
        reason: e.querySelector('[data-testid="rec-reason"]')?.textContent ?? "",
      }))`,
    );

  it("puts an icon in the tray with Show, Refresh now and Quit", async () => {
    const item = await desktop.waitForTray({ timeoutMs: 30_000 });
    trayName = item.name;
    const labels = (await desktop.menu()).map((e) => e.label);
    assert.deepEqual(labels, ["Show Sift", "Refresh now", "Quit Sift"]);
    assert.equal(await desktop.windowShown(app.display), true);
  });

  it("learns that the reader likes sport; the icon shows For you's unread count", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-feeds"]');
    await (await session.waitFor('[data-testid="feed-url"]')).sendKeys(server.url("/background.json"));
    await session.click('[data-testid="feed-add"]');
    await session.click('[data-testid="nav-for-you"]');
    await session.waitUntil(
      async () => (await listed()).length === TOPICS.length * PER_TOPIC && !(await session.find('[data-testid="activity"]')),
      { timeoutMs: EMBED_TIMEOUT_MS, what: "the articles to be embedded and listed in For you" },
    );
    const sportTitles = new Set(sport.map((i) => i.title));
    const items = await listed();
    const likes = items.filter((i) => sportTitles.has(i.title)).slice(0, 4);
    const dislikes = items.filter((i) => !sportTitles.has(i.title)).slice(0, 4);
    for (const [list, button] of [[likes, "rec-like"], [dislikes, "rec-dislike"]]) {
      for (const item of list) {
        await session.click(`[data-testid="rec-item"][data-id="${item.id}"] [data-testid="${button}"]`);
        await session.waitUntil(async () => !(await listed()).some((i) => i.id === item.id), { what: `${item.title} to leave For you once rated` });
      }
    }
    // The icon's label is the navigation's unread count for For you.
    await session.waitUntil(
      async () => {
        const badge = await session.text('[data-testid="unread-for-you"]');
        return Number(badge) > 0 && (await desktop.tray()).XAyatanaLabel === badge;
      },
      { what: "the tray icon's label to show For you's unread count" },
    ).catch(async (e) => {
      e.message += ` (badge ${await session.text('[data-testid="unread-for-you"]')}, icon ${JSON.stringify(await desktop.tray())})`;
      throw e;
    }
    );
  });

  it("turns notifications on and mutes a word", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-settings"]');
    await session.click('[data-testid="setting-notifications"]');
    await session.waitUntil(
      async () => session.execute(`return document.querySelector('[data-testid="setting-notifications"]').checked`),
      { what: "notifications on" },
    );
    assert.equal(
      await session.execute(`return document.querySelector('[data-testid="setting-close-to-tray"]').checked`),
      true,
      "closing keeps Sift in the tray by default",
    );
    await (await session.waitFor('[data-testid="rule-pattern"]')).sendKeys(mutedWord);
    await session.click('[data-testid="rule-add"]');
    await session.waitFor('[data-testid="rule-item"]', { what: "the mute rule in the list" });
  });

  it("closing the window leaves Sift running in the tray", async () => {
    await desktop.closeWindow(app.display);
    await app.session.waitUntil(async () => !(await desktop.windowShown(app.display)), { what: "the window to hide" });
    // Still running: its tray icon is still on the bus, and nothing was notified yet.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(await desktop.hasOwner(trayName), true);
    assert.equal(desktop.notifications().length, 0);
  });

  it("a refresh while the window is closed notifies about the new high scorer, never the muted one", async () => {
    published = true;
    await desktop.clickTray("Refresh now");
    const note = await desktop.waitForEvent((e) => e.event === "notify", {
      timeoutMs: EMBED_TIMEOUT_MS,
      what: "a notification for the new sport article",
    });
    // One article, not two: the muted one does not count, and the body names the other.
    assert.equal(note.summary, "A new article for you");
    // Named Sift (not after the binary, "sift-app"), with the desktop entry the .deb installs.
    assert.equal(note.app, "Sift");
    assert.equal(note.desktop_entry, "Sift");
    assert.equal(note.body, escapeMarkup(goodNews.title));
    // The refresh ran and notified with the window closed, and it stays closed.
    assert.equal(await desktop.windowShown(app.display), false);
    await new Promise((r) => setTimeout(r, 2_000));
    for (const n of desktop.notifications()) {
      assert.ok(!n.body.includes(escapeMarkup(mutedNews.title)), `the muted article notified: ${JSON.stringify(n)}`);
    }
    assert.equal(desktop.notifications().length, 1);
  });

  it("Show in the tray menu brings the window back with both new articles listed", async () => {
    const { session } = app;
    await desktop.clickTray("Show Sift");
    await session.waitUntil(async () => desktop.windowShown(app.display), { what: "the window to show again" });
    await session.click('[data-testid="nav-for-you"]');
    const items = await session.waitUntil(
      async () => {
        const now = await listed();
        return now.some((i) => i.title === goodNews.title) && now.some((i) => i.title === mutedNews.title) && now;
      },
      { timeoutMs: 30_000, what: "the new articles in For you" },
    );
    assert.equal(items.find((i) => i.title === mutedNews.title).reason, `muted: '${mutedWord}'`);

    // Reading it (opening it in the reader) takes one off the icon's count too.
    const before = Number(await session.text('[data-testid="unread-for-you"]'));
    const good = items.find((i) => i.title === goodNews.title);
    await session.click(`[data-testid="rec-item"][data-id="${good.id}"] .title`);
    await session.waitUntil(
      async () => {
        const badge = await session.text('[data-testid="unread-for-you"]');
        return Number(badge) === before - 1 && (await desktop.tray()).XAyatanaLabel === badge;
      },
      { what: "the tray icon's count to drop by the article read" },
    );
  });

  it("Quit in the tray menu really quits", async () => {
    await desktop.clickTray("Quit Sift");
    // The process is gone when its connection to the bus is: its tray icon's name goes.
    await app.session.waitUntil(async () => !(await desktop.hasOwner(trayName)), {
      timeoutMs: 15_000,
      what: "the app to exit",
    });
  });
});

// A desktop that shows no tray icons (GNOME without the AppIndicator extension): there is
// no StatusNotifierWatcher on the bus, so a window hidden "to the tray" could never be
// brought back. Closing the window quits instead, as in any app without a tray.
describe("Sift on a desktop without a tray", { timeout: 120_000 }, () => {
  let desktop;
  let app;

  before(async () => {
    desktop = await startDesktop({ tray: false });
    app = await launchApp({ env: desktop.env });
  });

  after(async () => {
    await app?.stop();
    await desktop?.stop();
  });

  /** The name Sift owns on the bus while it runs (one app per store). */
  const sift = async () => (await desktop.busNames()).find((n) => n.startsWith("app.sift.desktop."));

  it("closing the window quits, even though closing keeps Sift in the tray where there is one", async () => {
    await app.session.click('[data-testid="nav-settings"]');
    await app.session.waitFor('[data-testid="setting-close-to-tray"]');
    assert.equal(
      await app.session.execute(`return document.querySelector('[data-testid="setting-close-to-tray"]').checked`),
      true,
      "closing keeps Sift in the tray by default",
    );
    const name = await app.session.waitUntil(sift, { what: "Sift's name on the bus" });
    assert.equal(await desktop.windowShown(app.display), true);
    await desktop.closeWindow(app.display);
    await app.session.waitUntil(async () => !(await desktop.hasOwner(name)), {
      timeoutMs: 15_000,
      what: "the app to exit when its window closes",
    });
  });
});

// A desktop with only an X11 system tray (XEmbed: i3bar, stalonetray, older panels): no
// StatusNotifierWatcher, but the icon falls back to the X11 tray, which shows it. Closing
// keeps Sift running there.
describe("Sift on a desktop with only an X11 tray", { timeout: 120_000 }, () => {
  let desktop;
  let app;

  before(async () => {
    desktop = await startDesktop({ tray: false });
    app = await launchApp({ env: desktop.env });
  });

  after(async () => {
    await app?.stop();
    await desktop?.stop();
  });

  it("closing the window hides it and Sift keeps running", async () => {
    await desktop.ownXembedTray(app.display);
    const name = await app.session.waitUntil(
      async () => (await desktop.busNames()).find((n) => n.startsWith("app.sift.desktop.")),
      { what: "Sift's name on the bus" },
    );
    await desktop.closeWindow(app.display);
    await app.session.waitUntil(async () => !(await desktop.windowShown(app.display)), { what: "the window to hide" });
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(await desktop.hasOwner(name), true, "still running");
  });
});
