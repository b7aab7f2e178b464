// Server-side apply with `fieldValidation=Strict`, which KubernetesObjectApi.patch has no parameter for: a
// client whose every request carries the query parameter, added by client-node's own middleware hook.
import {
  createConfiguration,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
} from "@kubernetes/client-node";

export type StrictApply = <T extends KubernetesObject>(object: T, fieldManager?: string) => Promise<T>;

/**
 * Returns an apply function that fails, naming the field, on anything the schema does not declare (instead of
 * the default, which drops it with a warning), as `kubectl apply --server-side --validate=strict` does.
 */
export function strictApplier(config: KubeConfig): StrictApply {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error("The kubeconfig has no current cluster");
  const objects = new KubernetesObjectApi(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: config },
      promiseMiddleware: [
        {
          pre: async (request) => {
            request.setQueryParam("fieldValidation", "Strict");
            return request;
          },
          post: async (response) => response,
        },
      ],
    }),
  );
  return (object, fieldManager = "loco-test") =>
    objects.patch(object, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}
