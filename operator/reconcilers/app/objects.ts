// The cached objects the App reconciler reads, typed by their loco schema.
import type { App } from "../../../crds/app.ts";
import type { Profile } from "../../../crds/profile.ts";
import type { KubeObject } from "../../../kube/types.ts";

export type AppObject = App & KubeObject;
export type ProfileObject = Profile & KubeObject;
