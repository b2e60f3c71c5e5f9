// What runs in the background right now (refresh, embedding), from the app's progress
// events; shown under the navigation so long work is visible from every view.
import type { Progress } from "./bindings/Progress";
import type { Task } from "./bindings/Task";

export class Activity {
  tasks: Partial<Record<Task, Progress>> = $state({});

  update(progress: Progress): void {
    if (progress.finished) {
      const { [progress.task]: _done, ...rest } = this.tasks;
      this.tasks = rest;
    } else {
      this.tasks = { ...this.tasks, [progress.task]: progress };
    }
  }

  get running(): Progress[] {
    return Object.values(this.tasks).filter((p): p is Progress => p !== undefined);
  }
}

/** "Embedding articles: 40 of 120" — what a running task is doing, in words. */
export function describeProgress(progress: Progress): string {
  const what = progress.task === "refresh" ? "Refreshing feeds" : "Embedding articles";
  const count = progress.total > 0 ? `: ${progress.done} of ${progress.total}` : "…";
  return `${what}${count}`;
}
