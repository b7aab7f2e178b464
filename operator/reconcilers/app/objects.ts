// The cached App as its reconciler reads it, typed by its loco schema.
import type { App } from "../../../crds/app.ts";
import type { KubeObject } from "../../../kube/types.ts";

export type AppObject = App & KubeObject;
