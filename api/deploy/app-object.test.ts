import { describe, expect, it } from "vitest";
import { type AppSpec, AppSpec as AppSpecSchema } from "../../crds/app.ts";
import { ANNOTATION_REQUESTED_DEPLOYMENT_ID } from "../../crds/app-names.ts";
import { ANNOTATION_REQUESTED_BY } from "../../db/timeline.ts";
import { appObject } from "./app-object.ts";

describe("appObject", () => {
  it("carries the deployment id and requester on annotations, and the spec as given", () => {
    const spec: AppSpec = AppSpecSchema.parse({ image: "nginx:1.27", profile: "dev" });
    const app = appObject({
      name: "web",
      namespace: "acme-dev",
      labels: { team: "a" },
      requested: { deploymentId: "01JD0000000000000000000000", by: "oidc:alice" },
      spec,
    });
    expect(app).toEqual({
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: {
        name: "web",
        namespace: "acme-dev",
        labels: { team: "a" },
        annotations: {
          [ANNOTATION_REQUESTED_DEPLOYMENT_ID]: "01JD0000000000000000000000",
          [ANNOTATION_REQUESTED_BY]: "oidc:alice",
        },
      },
      spec,
    });
  });

  it("leaves the annotations out of a change that is no deployment, and carries the read resourceVersion", () => {
    const spec: AppSpec = AppSpecSchema.parse({ image: "nginx:1.27", profile: "dev" });
    const app = appObject({ name: "web", namespace: "acme-dev", labels: {}, resourceVersion: "42", spec });
    expect(app.metadata).toEqual({ name: "web", namespace: "acme-dev", labels: {}, resourceVersion: "42" });
  });
});
