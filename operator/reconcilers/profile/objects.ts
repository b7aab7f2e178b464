// The cached Profile as the reconcilers read it, typed by its loco schema.
import type { Profile } from "../../../crds/profile.ts";
import type { KubeObject } from "../../../kube/types.ts";

export type ProfileObject = Profile & KubeObject;
