import { describe, expect, it } from "vitest";
import type { RuleView } from "./api";
import { describeRule } from "./rules";

const base: RuleView = {
  id: 1,
  action: "mute",
  field: "words",
  pattern: "sponsored",
  created_at: "2026-01-01T00:00:00Z",
  expires_at: null,
  active: true,
};

describe("describeRule", () => {
  it("says what a rule does", () => {
    expect(describeRule(base, () => "")).toBe("Mute 'sponsored'");
    expect(describeRule({ ...base, action: "boost", field: "author", pattern: "Jane" }, () => "")).toBe("Boost author 'Jane'");
    expect(describeRule({ ...base, field: "feed", pattern: "3" }, (id) => (id === 3 ? "Noisy" : ""))).toBe("Mute feed 'Noisy'");
  });
  it("marks limited and expired rules", () => {
    expect(describeRule({ ...base, expires_at: "2026-01-08T00:00:00Z" }, () => "")).toMatch(/^Mute 'sponsored' until /);
    expect(describeRule({ ...base, active: false }, () => "")).toBe("Mute 'sponsored' (expired)");
  });
});
