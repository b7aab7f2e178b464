// The console's files as the API serves them, on a real Fastify server over a folder laid out like a Vite build.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleContentSecurityPolicy, findConsoleBuild, registerConsole } from "./console-assets.ts";

let dir: string;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loco-console-"));
  mkdirSync(join(dir, "assets"));
  mkdirSync(join(dir, ".vite"));
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>',
  );
  writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log('console')");
  writeFileSync(join(dir, ".vite", "manifest.json"), "{}");
  app = Fastify();
  app.get("/v1/things", async () => ({ items: [] }));
  app.setNotFoundHandler((_request, reply) =>
    reply.status(404).type("application/problem+json").send({ code: "NotFound" }),
  );
  await registerConsole(app, { dir, oidcIssuer: "http://127.0.0.1:7081/" });
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the console's files", () => {
  it("answers index.html for the console's routes, never cached, with the strict policy", async () => {
    for (const url of [
      "/",
      "/sign-in?next=%2F",
      "/auth/callback?code=x",
      "/tenants/acme",
      "/tenants/acme/apps/web?profile=dev",
    ]) {
      const answer = await app.inject({ method: "GET", url });
      expect(answer.statusCode, url).toBe(200);
      expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(answer.headers["cache-control"]).toBe("no-cache");
      expect(answer.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(answer.headers["content-security-policy"]).toContain("connect-src 'self' http://127.0.0.1:7081;");
      expect(answer.body).toContain("/assets/index-abc123.js");
    }
  });

  it("serves hashed assets for a year, immutable", async () => {
    const answer = await app.inject({ method: "GET", url: "/assets/index-abc123.js" });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(answer.headers["content-type"]).toMatch(/javascript/);
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("leaves the API's paths and unknown paths to the API", async () => {
    expect((await app.inject({ method: "GET", url: "/v1/things" })).json()).toEqual({ items: [] });
    for (const url of ["/v1/nothing", "/assets/missing.js", "/elsewhere", "/openapi.yaml"]) {
      const answer = await app.inject({ method: "GET", url });
      expect(answer.statusCode, url).toBe(404);
      expect(answer.headers["content-type"], url).toMatch(/^application\/problem\+json/);
    }
  });
});

describe("consoleContentSecurityPolicy", () => {
  it("allows no inline script and connects only to itself without an issuer", () => {
    const policy = consoleContentSecurityPolicy(undefined);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self';");
    expect(policy).not.toContain("unsafe-inline");
    expect(policy).toContain("frame-ancestors 'none'");
  });
});

describe("findConsoleBuild", () => {
  it("takes a folder only with Vite's manifest, so the sources are never served as a build", () => {
    const sources = mkdtempSync(join(tmpdir(), "loco-console-src-"));
    writeFileSync(join(sources, "index.html"), "<script src=/src/main.tsx></script>");
    try {
      expect(findConsoleBuild([sources])).toBeUndefined();
      expect(findConsoleBuild([sources, dir])).toBe(dir);
    } finally {
      rmSync(sources, { recursive: true, force: true });
    }
  });
});
