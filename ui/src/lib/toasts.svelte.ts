// Short messages at the bottom of the window: errors (which stay until dismissed or
// replaced) and confirmations (which fade). One instance per app, in AppState.
export type ToastKind = "error" | "info";

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

export class Toasts {
  items: Toast[] = $state([]);
  #nextId = 1;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  readonly #infoTimeoutMs: number;
  readonly #errorTimeoutMs: number;

  constructor(infoTimeoutMs = 4_000, errorTimeoutMs = 12_000) {
    this.#infoTimeoutMs = infoTimeoutMs;
    this.#errorTimeoutMs = errorTimeoutMs;
  }

  show(message: string, kind: ToastKind = "info"): number {
    // The same message twice (e.g. a retried action) is shown once, refreshed.
    const existing = this.items.find((t) => t.message === message && t.kind === kind);
    if (existing) this.dismiss(existing.id);
    const id = this.#nextId++;
    this.items = [...this.items.slice(-3), { id, kind, message }];
    const timeout = kind === "error" ? this.#errorTimeoutMs : this.#infoTimeoutMs;
    this.#timers.set(id, setTimeout(() => this.dismiss(id), timeout));
    return id;
  }

  error(message: string): number {
    return this.show(message, "error");
  }

  dismiss(id: number): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    this.items = this.items.filter((t) => t.id !== id);
  }
}
