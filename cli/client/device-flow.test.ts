import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CliError } from "../cli-error.ts";
import { noDebugLog } from "../debug-log.ts";
import { type DevicePrompt, deviceFlow, refreshTokens } from "./device-flow.ts";

// An OpenID Provider's device endpoints: discovery, device authorization, and a token endpoint that answers
// from a script (one answer per poll).
let script: Record<string, unknown>[] = [];
const polls: Record<string, string>[] = [];
let issuer: string;
/** Endpoints the discovery document advertises instead of the provider's own (a misconfigured provider). */
let advertised: Record<string, string> = {};
let deviceRequests = 0;

async function form(req: IncomingMessage): Promise<Record<string, string>> {
  let body = "";
  for await (const chunk of req) body += chunk.toString();
  return Object.fromEntries(new URLSearchParams(body));
}

const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.url === "/.well-known/openid-configuration") {
    return send(200, {
      issuer,
      device_authorization_endpoint: `${issuer}/device`,
      token_endpoint: `${issuer}/token`,
      ...advertised,
    });
  }
  if (req.url === "/device") {
    deviceRequests++;
    const body = await form(req);
    if (body.client_id !== "loco-cli") return send(400, { error: "invalid_client" });
    return send(200, {
      device_code: "dev-123",
      user_code: "WDJB-MJHT",
      verification_uri: `${issuer}/activate`,
      verification_uri_complete: `${issuer}/activate?user_code=WDJB-MJHT`,
      expires_in: 600,
      interval: 5,
    });
  }
  if (req.url === "/token") {
    polls.push(await form(req));
    const next = script.shift() ?? { error: "expired_token" };
    return send("access_token" in next ? 200 : 400, next);
  }
  send(404, { error: "not_found" });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  polls.length = 0;
  advertised = {};
  deviceRequests = 0;
});

function run(waits: number[] = [], prompts: DevicePrompt[] = [], from = issuer) {
  let clock = 0;
  return deviceFlow({
    issuer: from,
    clientId: "loco-cli",
    log: noDebugLog,
    onPrompt: (p) => prompts.push(p),
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    now: () => 1_000_000 + clock,
  });
}

describe("deviceFlow", () => {
  it("shows the code, polls at the provider's interval (slower when told) and returns the tokens", async () => {
    script = [
      { error: "authorization_pending" },
      { error: "slow_down" },
      { error: "authorization_pending" },
      { access_token: "at", refresh_token: "rt", expires_in: 300 },
    ];
    const waits: number[] = [];
    const prompts: DevicePrompt[] = [];
    const tokens = await run(waits, prompts);
    expect(prompts).toEqual([
      {
        userCode: "WDJB-MJHT",
        verificationUri: `${issuer}/activate`,
        verificationUriComplete: `${issuer}/activate?user_code=WDJB-MJHT`,
        expiresInSeconds: 600,
      },
    ]);
    expect(waits).toEqual([5000, 5000, 10_000, 10_000]);
    expect(
      polls.every(
        (p) =>
          p.grant_type === "urn:ietf:params:oauth:grant-type:device_code" &&
          p.device_code === "dev-123" &&
          p.client_id === "loco-cli",
      ),
    ).toBe(true);
    expect(tokens).toEqual({
      accessToken: "at",
      refreshToken: "rt",
      expiresAt: new Date(1_000_000 + 30_000 + 300_000).toISOString(),
    });
  });

  it("a denied login is an auth error (exit 2)", async () => {
    script = [{ error: "access_denied" }];
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).why).toBe("The login was denied in the browser.");
  });

  it("an expired code is a timeout (exit 5) that says to start again", async () => {
    script = [{ error: "authorization_pending" }, { error: "expired_token" }];
    const error = (await run().catch((e: unknown) => e)) as CliError;
    expect(error.exitCode).toBe(5);
    expect(error.fix).toContain("Run `loco login` again");
  });

  it("refuses an http:// issuer that is not this machine, before sending anything, and says to use https", async () => {
    const error = (await run([], [], "http://login.example.com").catch((e: unknown) => e)) as CliError;
    expect(error).toBeInstanceOf(CliError);
    expect(error.exitCode).toBe(2);
    expect(error.why).toBe(
      "The identity provider's issuer http://login.example.com/.well-known/openid-configuration is not https, so codes and tokens sent to it could be read on the network (plain http:// is accepted only for localhost, 127.0.0.0/8 or ::1).",
    );
    expect(error.fix).toContain("https");
    const refresh = (await refreshTokens({
      issuer: "http://10.0.0.7:8080/realms/loco",
      clientId: "loco-cli",
      refreshToken: "rt",
      log: noDebugLog,
    }).catch((e: unknown) => e)) as CliError;
    expect(refresh.what).toBe("Could not renew the login");
    expect(refresh.why).toContain("http://10.0.0.7:8080/realms/loco/.well-known/openid-configuration is not https");
  });

  it("refuses endpoints a provider advertises over http off this machine: no device code is asked for or polled", async () => {
    advertised = { token_endpoint: "http://idp.example.com/token" };
    const error = (await run().catch((e: unknown) => e)) as CliError;
    expect(error.why).toMatch(/^The identity provider's token endpoint http:\/\/idp\.example\.com\/token is not https/);
    expect(deviceRequests).toBe(0);
    advertised = { device_authorization_endpoint: "http://idp.example.com/device" };
    const device = (await run().catch((e: unknown) => e)) as CliError;
    expect(device.why).toMatch(/device authorization endpoint http:\/\/idp\.example\.com\/device is not https/);
    expect(deviceRequests + polls.length).toBe(0);
  });
});
