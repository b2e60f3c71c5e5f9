// How a rule reads in a list: pure, so it is unit-tested.
import type { RuleView } from "./api";

/** "Mute 'sponsored' until 9 Dec", "Boost author 'Jane Doe'", "Mute feed 'Noisy' (expired)". */
export function describeRule(rule: RuleView, feedTitle: (id: number) => string): string {
  const verb = rule.action === "mute" ? "Mute" : "Boost";
  const what =
    rule.field === "words"
      ? `'${rule.pattern}'`
      : rule.field === "author"
        ? `author '${rule.pattern}'`
        : `feed '${feedTitle(Number(rule.pattern)) || rule.pattern}'`;
  let until = "";
  if (!rule.active) until = " (expired)";
  else if (rule.expires_at) {
    const date = new Date(rule.expires_at);
    until = ` until ${date.toLocaleDateString(undefined, { day: "numeric", month: "short" })}`;
  }
  return `${verb} ${what}${until}`;
}
