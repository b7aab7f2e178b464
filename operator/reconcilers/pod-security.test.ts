import { describe, expect, it } from "vitest";
import { podSecurityOf } from "../../crds/profile.ts";
import { containerSecurityContext, podSecurityContext } from "./pod-security.ts";

describe("pod security", () => {
  it("is restricted unless the Profile chooses baseline", () => {
    expect(podSecurityOf(undefined)).toBe("restricted");
    expect(podSecurityOf(null)).toBe("restricted");
    expect(podSecurityOf({})).toBe("restricted");
    expect(podSecurityOf({ podSecurity: "restricted" })).toBe("restricted");
    expect(podSecurityOf({ podSecurity: "baseline" })).toBe("baseline");
  });

  it("sets everything the restricted standard requires of a pod and its containers", () => {
    expect(podSecurityContext("restricted")).toEqual({
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    });
    expect(containerSecurityContext("restricted")).toEqual({
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    });
  });

  it("sets nothing for baseline, which loco's pods pass as they are", () => {
    expect(podSecurityContext("baseline")).toEqual({});
    expect(containerSecurityContext("baseline")).toEqual({});
  });
});
