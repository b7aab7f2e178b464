// An App's pods, live from the cluster: which replica runs which deployment, whether it is ready and why not,
// restarts, and since when. Refreshed every few seconds, like the rest of the App page.
import { useQuery } from "@tanstack/react-query";
import type { AppPod } from "../../../api/contract.ts";
import { api } from "../api.ts";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { Badge, When } from "../components/status.tsx";

export function Pods({ base, q, current }: { base: string; q: string; current: string | undefined }) {
  const pods = useQuery({
    queryKey: ["pods", base, q],
    queryFn: () => api<{ items: AppPod[] }>(`${base}/pods?${q}`),
    refetchInterval: 5_000,
  });
  return (
    <>
      <h2>Pods</h2>
      {pods.isPending ? (
        <Loading what="pods" />
      ) : pods.isError ? (
        <ErrorState error={pods.error} what="pods" />
      ) : pods.data.items.length === 0 ? (
        <Empty>No pods: the App is scaled to zero, or its first pod has not been created yet.</Empty>
      ) : (
        <table>
          <caption>The App's pods now, by name</caption>
          <thead>
            <tr>
              <th scope="col">Pod</th>
              <th scope="col">Phase</th>
              <th scope="col">Ready</th>
              <th scope="col">Restarts</th>
              <th scope="col">Deployment</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {pods.data.items.map((pod) => (
              <tr key={pod.name}>
                <th scope="row">
                  <code>{pod.name}</code>
                </th>
                <td>{pod.phase}</td>
                <td>
                  {pod.ready ? (
                    <Badge tone="ok">Ready</Badge>
                  ) : (
                    <>
                      <Badge tone="wait">Not ready</Badge> {pod.reason}
                    </>
                  )}
                </td>
                <td>{pod.restarts}</td>
                <td>
                  {pod.deploymentId ? <code>{pod.deploymentId}</code> : "—"}
                  {pod.deploymentId && pod.deploymentId === current && <span className="muted"> (current)</span>}
                </td>
                <td>{pod.startedAt ? <When time={pod.startedAt} /> : "not yet"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
