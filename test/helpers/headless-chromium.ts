import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** What a page did when loaded in headless Chromium: its DOM, every request it made, a screenshot. */
export interface PageVisit {
  readonly html: string;
  /** URLs the page itself requested (Network.requestWillBeSent), the document first. */
  readonly requests: readonly string[];
  readonly screenshot: Buffer;
  /** Milliseconds from navigation to the load event. */
  readonly loadMs: number;
}

/**
 * Loads `url` in the real headless Chromium, driven over the DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: JSON messages separated by NUL on fds 3 and 4, no port opened), and
 * records what the page requests. The browser's own background traffic is not the page's and is
 * not recorded. The browser is closed before this returns.
 */
export async function visitPage(chromium: string, url: string, viewport = { width: 1280, height: 900 }): Promise<PageVisit> {
  const profile = await mkdtemp(path.join(tmpdir(), "regfence-chromium-"));
  const child = spawn(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", `--user-data-dir=${profile}`, "--no-first-run", "--disable-background-networking", "about:blank"], {
    stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"],
  });
  const input = child.stdio[3] as NodeJS.WritableStream;
  const output = child.stdio[4] as NodeJS.ReadableStream;
  let buffered = "";
  let next = 0;
  const pending = new Map<number, { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  const listeners: ((message: { method?: string; params?: Record<string, unknown>; sessionId?: string }) => void)[] = [];
  output.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    let end: number;
    while ((end = buffered.indexOf("\0")) >= 0) {
      const message = JSON.parse(buffered.slice(0, end)) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
      buffered = buffered.slice(end + 1);
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result ?? {});
      } else for (const listener of listeners) listener(message);
    }
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      input.write(`${JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) })}\0`);
    });
  try {
    const { targetId } = (await send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    const { sessionId } = (await send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    const requests: string[] = [];
    listeners.push((message) => {
      if (message.sessionId === sessionId && message.method === "Network.requestWillBeSent") requests.push(String((message.params?.["request"] as { url?: string } | undefined)?.url));
    });
    const loaded = new Promise<void>((resolve) => listeners.push((message) => message.sessionId === sessionId && message.method === "Page.loadEventFired" && resolve()));
    await send("Network.enable", {}, sessionId);
    await send("Page.enable", {}, sessionId);
    await send("Emulation.setDeviceMetricsOverride", { ...viewport, deviceScaleFactor: 1, mobile: false }, sessionId);
    const started = Date.now();
    await send("Page.navigate", { url }, sessionId);
    await loaded;
    const loadMs = Date.now() - started;
    const { result } = (await send("Runtime.evaluate", { expression: "document.documentElement.outerHTML", returnByValue: true }, sessionId)) as { result: { value: string } };
    const { data } = (await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true }, sessionId)) as { data: string };
    return { html: result.value, requests, screenshot: Buffer.from(data, "base64"), loadMs };
  } finally {
    child.kill();
    await new Promise((resolve) => child.once("exit", resolve));
    await rm(profile, { recursive: true, force: true });
  }
}
