// One HTTP POST of a delivery, under the SSRF rule at connect time: the socket's DNS lookup is replaced by one that
// resolves the host, refuses if any address is forbidden, and connects to the address it checked — so a name that
// resolved to a public address when the webhook was created, and to 127.0.0.1 now, is refused (DNS rebinding).
// Redirects are never followed (a 3xx is a failed attempt): a public receiver could otherwise point the platform at
// an internal address.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { checkAddresses, hostOf, type Resolve, resolveAll, TargetRefused } from "./webhook-target.ts";

export interface SendResult {
  /** The HTTP status, when the receiver answered. */
  status?: number;
  /** Why the attempt failed (undefined on a 2xx). */
  error?: string;
  /** The target may not be reached at all: retrying will not help until the rule or DNS changes. */
  refused?: boolean;
}

export interface SendOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  allowed: ReadonlySet<string>;
  timeoutMs: number;
  resolve?: Resolve;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/** A lookup for the socket that only ever hands it checked addresses. */
function guardedLookup(allowed: ReadonlySet<string>, resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname)
      .then((addresses) => {
        checkAddresses(hostname, addresses, allowed);
        const family = (a: string) => (isIP(a) === 6 ? 6 : 4);
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = addresses.filter((a) => !wanted || family(a) === wanted);
        if (usable.length === 0) throw new TargetRefused(`${hostname} has no IPv${wanted} address`);
        if (options.all)
          callback(
            null,
            usable.map((address) => ({ address, family: family(address) })),
          );
        else callback(null, usable[0]!, family(usable[0]!));
      })
      .catch((error: Error) => callback(Object.assign(error, { code: error.name }), "", 0));
  };
}

export async function sendWebhook(options: SendOptions): Promise<SendResult> {
  const url = new URL(options.url);
  const host = hostOf(url);
  // An IP literal is connected to without a lookup: check it here.
  if (isIP(host)) {
    try {
      checkAddresses(host, [host], options.allowed);
    } catch (error) {
      return { error: (error as Error).message, refused: true };
    }
  }
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolvePromise) => {
    let settled = false;
    const done = (result: SendResult) => {
      if (settled) return;
      settled = true;
      resolvePromise(result);
    };
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          ...options.headers,
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(options.body)),
          "user-agent": "loco-webhooks/1",
        },
        lookup: guardedLookup(options.allowed, options.resolve ?? resolveAll),
        timeout: options.timeoutMs,
        // Never reuse a socket: each delivery is looked up and checked afresh.
        agent: false,
      },
      (response: IncomingMessage) => {
        let received = 0;
        response.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) response.destroy();
        });
        const finish = () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) done({ status });
          else if (status >= 300 && status < 400)
            done({ status, error: `the receiver answered ${status} (a redirect); redirects are not followed` });
          else done({ status, error: `the receiver answered ${status}` });
        };
        response.on("end", finish);
        response.on("close", finish);
        response.on("error", finish);
      },
    );
    // A hung receiver must not hold the worker: the whole exchange has the timeout, not just the connect.
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on("error", (error: Error) => {
      const refused = error.name === "TargetRefused" || (error as { code?: string }).code === "TargetRefused";
      done({ error: refused ? error.message : `could not deliver: ${error.message}`, ...(refused ? { refused } : {}) });
    });
    req.on("close", () => clearTimeout(deadline));
    req.end(options.body);
  });
}
