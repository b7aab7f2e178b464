// The Kubernetes kinds the Pipeline and Run reconcilers write or read besides loco's own.
// (Kept apart from resources.ts while that file is being changed for the mirror; fold in later.)
import type { ResourceType } from "./types.ts";

export const JOB: ResourceType = { group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true };
export const POD: ResourceType = { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true };
