// Formatting for display. Pure and locale-stable (English UI), so it is unit-tested.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", "12 Mar", "12 Mar 2023". */
export function formatDate(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const ago = now.getTime() - date.getTime();
  if (ago < 0) return dayMonth(date, now);
  if (ago < MINUTE) return "just now";
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min ago`;
  if (ago < DAY) return `${Math.floor(ago / HOUR)} h ago`;
  if (ago < 2 * DAY) return "yesterday";
  if (ago < 7 * DAY) return `${Math.floor(ago / DAY)} days ago`;
  return dayMonth(date, now);
}

function dayMonth(date: Date, now: Date): string {
  const text = `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
  return date.getUTCFullYear() === now.getUTCFullYear() ? text : `${text} ${date.getUTCFullYear()}`;
}

/** A 0..1 score as a whole percentage, clamped ("73%"). */
export function percent(score: number | null | undefined): string {
  if (score == null || Number.isNaN(score)) return "–";
  return `${Math.round(Math.min(Math.max(score, 0), 1) * 100)}%`;
}

/** "1 article", "3 articles". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** The host of a URL, for showing where an article or feed comes from. */
export function hostOf(url: string | null | undefined): string {
  if (!url) return "";
  try {
    return new URL(url).host.replace(/^www\./, "");
  } catch {
    return url;
  }
}

/** "1.4 MB": a size for people (powers of 1000, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** The parts of a cleanup report (sift-core's PruneReport) a sentence about it needs. */
export interface CleanupSummary {
  at: string;
  retention_days: number;
  removed_articles: number;
  size_before: number;
  size_after: number;
  compacted: boolean;
}

/** "3 h ago: 120 articles deleted, 63 MB → 1.2 MB on disk". */
export function describeCleanup(report: CleanupSummary, now: Date = new Date()): string {
  const when = formatDate(report.at, now);
  const prefix = when ? `${when}: ` : "";
  if (report.retention_days === 0) return `${prefix}retention is off, nothing deleted`;
  const deleted = report.removed_articles === 0 ? "nothing to delete" : `${plural(report.removed_articles, "article")} deleted`;
  return `${prefix}${deleted}, ${formatBytes(report.size_before)} → ${formatBytes(report.size_after)} on disk`;
}
