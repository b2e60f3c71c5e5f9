import { describe, expect, it } from "vitest";
import { formatDate, hostOf, percent, plural } from "./format";

const NOW = new Date("2026-11-25T12:00:00Z");

describe("formatDate", () => {
  it("says how long ago for recent dates", () => {
    expect(formatDate("2026-11-25T11:59:30Z", NOW)).toBe("just now");
    expect(formatDate("2026-11-25T11:55:00Z", NOW)).toBe("5 min ago");
    expect(formatDate("2026-11-25T09:00:00Z", NOW)).toBe("3 h ago");
    expect(formatDate("2026-11-24T09:00:00Z", NOW)).toBe("yesterday");
    expect(formatDate("2026-11-21T12:00:00Z", NOW)).toBe("4 days ago");
  });
  it("gives day and month for older dates, and the year when it differs", () => {
    expect(formatDate("2026-03-12T08:00:00Z", NOW)).toBe("12 Mar");
    expect(formatDate("2023-03-12T08:00:00Z", NOW)).toBe("12 Mar 2023");
  });
  it("is empty for missing or unreadable dates", () => {
    expect(formatDate(null, NOW)).toBe("");
    expect(formatDate("not a date", NOW)).toBe("");
  });
});

describe("percent, plural, hostOf", () => {
  it("formats scores as clamped whole percentages", () => {
    expect(percent(0.734)).toBe("73%");
    expect(percent(1.2)).toBe("100%");
    expect(percent(null)).toBe("–");
  });
  it("pluralises counts", () => {
    expect(plural(1, "article")).toBe("1 article");
    expect(plural(3, "article")).toBe("3 articles");
    expect(plural(2, "query", "queries")).toBe("2 queries");
  });
  it("shows the host of a URL", () => {
    expect(hostOf("https://www.example.com/feed.xml")).toBe("example.com");
    expect(hostOf("not a url")).toBe("not a url");
    expect(hostOf(null)).toBe("");
  });
});

import { formatBytes } from "./format";

describe("formatBytes", () => {
  it("uses readable units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1_400_000)).toBe("1.4 MB");
    expect(formatBytes(23_000_000)).toBe("23 MB");
  });
});

import { describeCleanup } from "./format";

describe("describeCleanup", () => {
  const report = {
    at: "2026-11-25T09:00:00Z",
    retention_days: 90,
    removed_articles: 120,
    size_before: 63_000_000,
    size_after: 1_200_000,
    compacted: true,
  };
  it("says when, how much went and the size before and after", () => {
    expect(describeCleanup(report, NOW)).toBe("3 h ago: 120 articles deleted, 63 MB → 1.2 MB on disk");
    expect(describeCleanup({ ...report, removed_articles: 0, size_after: 63_000_000 }, NOW)).toBe(
      "3 h ago: nothing to delete, 63 MB → 63 MB on disk",
    );
  });
  it("says when retention is off", () => {
    expect(describeCleanup({ ...report, retention_days: 0 }, NOW)).toBe("3 h ago: retention is off, nothing deleted");
  });
});
