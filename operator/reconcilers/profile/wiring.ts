// What feeds the Profile controller: its Profiles, and the Gateways they name (mapped through an index).
import { type KubeObject, keyOf } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import type { Controller } from "../../runtime/controller.ts";
import type { ProfileObject } from "./objects.ts";

/** Index of Profiles by the Gateway (namespace/name) they attach to. */
export const GATEWAY_INDEX = "gateway";
export const gatewayIndex = (profile: KubeObject): string[] => {
  const gateway = (profile as ProfileObject).spec?.gateway;
  return gateway ? [`${gateway.namespace}/${gateway.name}`] : [];
};

/** Call before the informers start. */
export function addProfileIndexes(caches: WorldCaches): void {
  caches.profiles.addIndex(GATEWAY_INDEX, gatewayIndex);
}

export function watchProfileInputs(controller: Controller, caches: WorldCaches): void {
  controller.watchPrimary(caches.profiles);
  controller.watchMapped(caches.gateways, (gateway) =>
    caches.profiles.byIndex(GATEWAY_INDEX, keyOf(gateway)).map(keyOf),
  );
}
