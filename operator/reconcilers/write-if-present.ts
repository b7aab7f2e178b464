import { KubeApiError } from "../../kube/kube-client.ts";

/** A status write to an object deleted meanwhile has nothing left to do: false, like "nothing written". */
export async function writeIfPresent(write: () => Promise<boolean>): Promise<boolean> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof KubeApiError && error.isNotFound) return false;
    throw error;
  }
}
