import { describe, expect, it } from "vitest";
import {
  defaultHostnameOwner,
  grantsOf,
  type HostnameAsker,
  judgeHostname,
  type SharedDomain,
} from "./hostname-policy.ts";

const apps: SharedDomain = {
  profile: "prod",
  baseDomain: "apps.example.com",
  hostnameTemplate: "{app}-{tenant}.{baseDomain}",
};
const acmeShop: HostnameAsker = {
  tenant: "acme",
  app: "shop",
  ownDefault: "shop-acme.apps.example.com",
  grants: ["acme.com", "*.dev.acme.com"],
};
const code = (host: string, asker = acmeShop) => judgeHostname(host, asker, [apps])?.code;

describe("defaultHostnameOwner", () => {
  it("splits the first label at its last '-', since tenant names have none", () => {
    expect(defaultHostnameOwner("shop-api-acme.apps.example.com", apps)).toEqual({ tenant: "acme", app: "shop-api" });
    expect(defaultHostnameOwner("shop.apps.example.com", apps)).toBeUndefined();
    expect(defaultHostnameOwner("shop-acme.other.example.com", apps)).toBeUndefined();
  });

  it("follows other templates", () => {
    const nested = { ...apps, hostnameTemplate: "{app}.{tenant}.{profile}.{baseDomain}" };
    expect(defaultHostnameOwner("web.globex.prod.apps.example.com", nested)).toEqual({ tenant: "globex", app: "web" });
    expect(defaultHostnameOwner("web.globex.dev.apps.example.com", nested)).toBeUndefined();
  });
});

describe("judgeHostname", () => {
  it("lets an App serve its own default hostname without any grant", () => {
    expect(code("shop-acme.apps.example.com", { ...acmeShop, grants: [] })).toBeUndefined();
  });

  it("refuses another tenant's (or another App's) default hostname, even when the base domain is granted", () => {
    const greedy = { ...acmeShop, grants: ["apps.example.com"] };
    expect(code("billing-globex.apps.example.com", greedy)).toBe("ReservedDefaultHostname");
    const ownOther = judgeHostname("billing-acme.apps.example.com", greedy, [apps]);
    expect(ownOther?.code).toBe("ReservedDefaultHostname");
    expect(ownOther?.message).toContain("your App billing");
    expect(judgeHostname("billing-globex.apps.example.com", greedy, [apps])?.message).not.toContain("globex ");
  });

  it("refuses a wildcard over (or above) a shared base domain, grant or not", () => {
    const greedy = { ...acmeShop, grants: ["*.example.com"] };
    expect(code("*.apps.example.com", greedy)).toBe("WildcardOverBaseDomain");
    expect(code("*.example.com", greedy)).toBe("WildcardOverBaseDomain");
  });

  it("allows custom hostnames only inside the tenant's grants, wildcards only inside wildcard grants", () => {
    expect(code("acme.com")).toBeUndefined();
    expect(code("shop.acme.com")).toBeUndefined();
    expect(code("a.dev.acme.com")).toBeUndefined();
    expect(code("*.dev.acme.com")).toBeUndefined();
    expect(code("*.x.dev.acme.com")).toBeUndefined();
    expect(code("*.acme.com")).toBe("NotGranted"); // acme.com is granted without wildcards
    expect(code("notacme.com")).toBe("NotGranted");
    expect(code("shop.example.com")).toBe("NotGranted");
    expect(code("other.apps.example.com")).toBe("NotGranted");
  });

  it("says what to do, naming the default hostname", () => {
    expect(judgeHostname("shop.example.com", acmeShop, [apps])?.message).toMatch(
      /shop\.example\.com is not inside a domain granted to tenant acme.*spec\.domainGrants.*shop-acme\.apps\.example\.com/,
    );
  });
});

describe("grantsOf", () => {
  it("reads one tenant's domains from a Profile spec", () => {
    const spec = {
      domainGrants: [
        { tenant: "acme", domains: ["acme.com"] },
        { tenant: "globex", domains: ["g.io"] },
      ],
    };
    expect(grantsOf(spec, "globex")).toEqual(["g.io"]);
    expect(grantsOf(spec, "initech")).toEqual([]);
    expect(grantsOf(undefined, "acme")).toEqual([]);
  });
});
