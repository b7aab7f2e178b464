// The securityContext of the pods loco builds (App and Run), from the Profile's Pod Security Standard level. The
// tenant namespace enforces the same level (api/tenant-namespaces.ts), so a pod built here is one its namespace
// admits. Pure: the level is an input.
//
// restricted: non-root, no privilege escalation, every capability dropped, RuntimeDefault seccomp — what the
// `restricted` standard requires of a pod without volumes or host access (loco's pods have neither).
// baseline: nothing. The standard forbids only what a pod asks for (privileged, host namespaces, added
// capabilities), and loco's pods ask for none of it; a Profile chooses baseline for images that must run as root or
// rely on setuid and the default capabilities, which any of the restricted settings would break.
import type { PodSecurityLevel } from "../../crds/profile.ts";

/** Fields for the pod's spec. */
export function podSecurityContext(level: PodSecurityLevel): Record<string, unknown> {
  if (level !== "restricted") return {};
  return { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } };
}

/** Fields for each container. */
export function containerSecurityContext(level: PodSecurityLevel): Record<string, unknown> {
  if (level !== "restricted") return {};
  return { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } };
}
