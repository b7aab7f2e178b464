// Said wherever an App's URL is shown on a platform whose pods run on simulated nodes (the local platform's kwok):
// the App becomes Ready, but no container runs, so the URL is not a promise that anything answers.
export const SIMULATED_NODES_NOTE =
  "Simulated: pods run on simulated nodes here (the local platform); they become Ready, but nothing answers on their URLs.";

/**
 * Whether the API says its pods are simulated, asked beside the command's own request (a failure, such as an older
 * API without /v1/platform, counts as no: this only adds a note).
 */
export function simulatedNodes(client: { platform(): Promise<{ simulatedNodes: boolean }> }): Promise<boolean> {
  return client.platform().then(
    (platform) => platform.simulatedNodes,
    () => false,
  );
}
