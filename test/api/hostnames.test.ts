// The deploy's hostname check through the API (api/deploy/hostname-check.ts), on deploy and on apply, with the real
// operator taking the claims: a hostname refused by the rules answers 403, one another tenant's App holds answers 409 — both
// problem+json naming the field, neither naming the holder.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTNAME_CLAIM } from "../../crds/kinds.ts";
import { ADMIN, type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;

beforeAll(async () => {
  world = await startApiWorld("hst");
});

afterAll(async () => {
  await world?.stop();
});

const deploy = async (tenant: string, token: string, app: string, hostnames: string[]) =>
  world.api.call("POST", `/v1/tenants/${tenant}/apps/${app}/deployments?profile=${world.profile}`, {
    token,
    body: { spec: { ...world.appSpec(), routes: { http: { hostnames } } } },
  });

describe("the deploy's hostname check", () => {
  it("answers 403 for another tenant's default hostname, a wildcard over the base domain, or an ungranted domain", async () => {
    const [a, b] = world.tenants;
    const token = await world.token(b.members.developer);
    for (const host of [`${a.app}-${a.name}.apps.example.com`, "*.apps.example.com", `${b.name}.example.org`]) {
      const response = await deploy(b.name, token, "squat", [host]);
      expect(response.status, host).toBe(403);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      const body = (await response.json()) as { errors: { field: string }[]; detail: string };
      expect(body.errors[0]?.field).toBe("spec.routes.http.hostnames[0]");
      expect(body.detail).toContain(host);
    }
  });

  it("judges a blue-green App's preview hostname by the same rules, naming its field", async () => {
    const [a, b] = world.tenants;
    const token = await world.token(b.members.developer);
    const response = await world.api.call(
      "POST",
      `/v1/tenants/${b.name}/apps/preview/deployments?profile=${world.profile}`,
      {
        token,
        body: {
          spec: {
            ...world.appSpec(),
            rollout: { strategy: "blueGreen", blueGreen: { previewHostname: `${a.app}-${a.name}.apps.example.com` } },
          },
        },
      },
    );
    expect(response.status).toBe(403);
    const body = (await response.json()) as { errors: { field: string }[]; detail: string };
    expect(body.errors[0]?.field).toBe("spec.rollout.blueGreen.previewHostname");
    expect(body.detail).toContain(`${a.app}-${a.name}.apps.example.com`);
  });

  it("answers 409 for a hostname another tenant's App holds, without naming it, and 202 once it is free", async () => {
    const [a, b] = world.tenants;
    const host = `shop.${world.profile}.example.org`;
    const admin = await world.token(ADMIN);
    const profile = await world.api.call("GET", `/v1/profiles/${world.profile}`, { token: admin });
    const spec = ((await profile.json()) as { spec: Record<string, unknown> }).spec;
    const granted = await world.api.call("PUT", `/v1/profiles/${world.profile}`, {
      token: admin,
      body: {
        spec: {
          ...spec,
          domainGrants: [
            { tenant: a.name, domains: [`${world.profile}.example.org`] },
            { tenant: b.name, domains: [`${world.profile}.example.org`] },
          ],
        },
      },
    });
    expect(granted.status).toBe(200);
    await eventually("the grant in the mirror", async () => {
      const first = await deploy(a.name, await world.token(a.members.developer), "shop", [host]);
      return first.status === 202 ? true : undefined;
    });
    await eventually("the claim taken by the operator", () =>
      world.api.kube.find(HOSTNAME_CLAIM, undefined, host).then((c) => c ?? undefined),
    );

    const taken = await deploy(b.name, await world.token(b.members.developer), "copy", [host]);
    expect(taken.status).toBe(409);
    const body = (await taken.json()) as { errors: { field: string; message: string }[]; detail: string };
    expect(body.errors[0]?.field).toBe("spec.routes.http.hostnames[0]");
    expect(body.detail).toBe(
      `${host} is already taken by another tenant; choose another hostname in spec.routes.http.hostnames[0].`,
    );
    expect(JSON.stringify(body)).not.toContain(a.name);
    // Applying the spec (PUT, as kubectl-like tools and GitOps through the API do) is checked the same way.
    const bToken = await world.token(b.members.developer);
    const apply = (hostnames: string[]) =>
      world.api.call("PUT", `/v1/tenants/${b.name}/apps/copy?profile=${world.profile}`, {
        token: bToken,
        body: { spec: { ...world.appSpec(), routes: { http: { hostnames } } } },
      });
    const applied = await apply([host]);
    expect(applied.status).toBe(409);
    const appliedBody = (await applied.json()) as { errors: { field: string }[]; detail: string };
    expect(appliedBody.errors[0]?.field).toBe("spec.routes.http.hostnames[0]");
    expect(JSON.stringify(appliedBody)).not.toContain(a.name);
    expect((await apply([`${a.app}-${a.name}.apps.example.com`])).status).toBe(403);

    const removed = await world.api.call("DELETE", `/v1/tenants/${a.name}/apps/shop?profile=${world.profile}`, {
      token: await world.token(a.members.owner),
    });
    expect(removed.status).toBeLessThan(300);
    await eventually("the claim released", async () =>
      (await world.api.kube.find(HOSTNAME_CLAIM, undefined, host)) ? undefined : true,
    );
    expect((await deploy(b.name, await world.token(b.members.developer), "copy", [host])).status).toBe(202);
  });
});
