// A tiny W3C WebDriver client over global fetch: just what Sift's end-to-end tests and
// screenshot script use. No dependencies (selenium-webdriver needs a newer Node than
// Debian 12 ships).

const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

/** Every request is bounded: a stuck driver fails the test instead of hanging it. */
const REQUEST_TIMEOUT_MS = 60_000;

export class WebDriverError extends Error {
  constructor(message, { status, error } = {}) {
    super(message);
    this.name = "WebDriverError";
    this.status = status;
    this.error = error;
  }
}

async function request(baseUrl, method, path, body, timeoutMs = REQUEST_TIMEOUT_MS) {
  let response;
  try {
    response = await fetch(baseUrl + path, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const why = e?.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : e?.cause?.message ?? e.message;
    throw new WebDriverError(`WebDriver ${method} ${path} failed: ${why}`);
  }
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new WebDriverError(`WebDriver ${method} ${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const value = json.value;
  if (!response.ok || (value && typeof value === "object" && "error" in value && value.error)) {
    throw new WebDriverError(
      `WebDriver ${method} ${path}: ${value?.error ?? response.status}: ${value?.message ?? text.slice(0, 300)}`,
      { status: response.status, error: value?.error },
    );
  }
  return value;
}

/** True once the driver answers /status with ready. */
export async function driverReady(baseUrl) {
  try {
    const value = await request(baseUrl, "GET", "/status", undefined, 2_000);
    return value?.ready !== false;
  } catch {
    return false;
  }
}

export class Session {
  constructor(baseUrl, id) {
    this.baseUrl = baseUrl;
    this.id = id;
  }

  static async create(baseUrl, capabilities) {
    const value = await request(baseUrl, "POST", "/session", { capabilities }, 90_000);
    return new Session(baseUrl, value.sessionId);
  }

  cmd(method, path, body, timeoutMs) {
    return request(this.baseUrl, method, `/session/${this.id}${path}`, body, timeoutMs);
  }

  async delete() {
    await this.cmd("DELETE", "", undefined, 15_000);
  }

  /** The element matching `css`, or null when there is none right now. */
  async find(css) {
    try {
      const value = await this.cmd("POST", "/element", { using: "css selector", value: css });
      return new Element(this, value[ELEMENT_KEY]);
    } catch (e) {
      if (e instanceof WebDriverError && e.error === "no such element") return null;
      throw e;
    }
  }

  async findAll(css) {
    const values = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return values.map((v) => new Element(this, v[ELEMENT_KEY]));
  }

  /** Polls until `css` matches, failing with a message that names it. */
  async waitFor(css, { timeoutMs = 15_000, what } = {}) {
    const element = await this.waitUntil(() => this.find(css), {
      timeoutMs,
      what: what ?? `an element matching ${css}`,
    });
    return element;
  }

  /** Polls `check` (every 100 ms) until it returns something truthy, which is returned. */
  async waitUntil(check, { timeoutMs = 15_000, what = "a condition" } = {}) {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    while (Date.now() < deadline) {
      try {
        const result = await check();
        if (result) return result;
      } catch (e) {
        lastError = e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ""}`);
  }

  async click(css) {
    const element = await this.waitFor(css);
    await element.click();
    return element;
  }

  async text(css) {
    const element = await this.waitFor(css);
    return element.text();
  }

  /** Runs `script` (a function body) in the page; `arguments` holds `args`. */
  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  executeAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  /** Sends keys to whatever has focus (the document when nothing does). */
  async pressKeys(keys) {
    const actions = [];
    for (const key of keys) {
      actions.push({ type: "keyDown", value: key }, { type: "keyUp", value: key });
    }
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.cmd("DELETE", "/actions");
  }

  /** Moves the mouse to (x, y) in viewport pixels; with `click`, clicks there. */
  async pointerAt(x, y, { click = false } = {}) {
    const actions = [{ type: "pointerMove", duration: 0, x: Math.round(x), y: Math.round(y), origin: "viewport" }];
    if (click) actions.push({ type: "pointerDown", button: 0 }, { type: "pointerUp", button: 0 });
    await this.cmd("POST", "/actions", {
      actions: [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions }],
    });
  }

  /** A PNG of the page, as a Buffer. */
  async screenshot() {
    const base64 = await this.cmd("GET", "/screenshot");
    return Buffer.from(base64, "base64");
  }

  title() {
    return this.cmd("GET", "/title");
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }

  cmd(method, path, body) {
    return this.session.cmd(method, `/element/${this.id}${path}`, body);
  }

  click() {
    return this.cmd("POST", "/click", {});
  }

  text() {
    return this.cmd("GET", "/text");
  }

  attribute(name) {
    return this.cmd("GET", `/attribute/${encodeURIComponent(name)}`);
  }

  sendKeys(text) {
    return this.cmd("POST", "/value", { text });
  }

  clear() {
    return this.cmd("POST", "/clear", {});
  }

  async displayed() {
    return this.cmd("GET", "/displayed");
  }
}
