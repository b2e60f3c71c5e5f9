import { describe, expect, it } from "vitest";
import { errorMessage } from "./api";

describe("errorMessage", () => {
  it("reads a CommandError, a string or an Error, never dumping objects", () => {
    expect(errorMessage({ kind: "not_found", message: "not found: article 7" })).toBe("not found: article 7");
    expect(errorMessage("Command subscribe not found")).toBe("Command subscribe not found");
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(errorMessage({ weird: true })).toBe("Something went wrong.");
    expect(errorMessage(undefined)).toBe("Something went wrong.");
  });
});
