// loco's API group and version and the REST names of its four kinds, declared once. crds/index.ts builds the CRDs
// from them, and every process addresses the kinds through these constants (the shape of kube's ResourceType).
// Free of zod on purpose: light enough for any process to import.

export const apiGroup = "loco.dev";
export const apiVersionName = "v1alpha1";
export const apiVersion = `${apiGroup}/${apiVersionName}` as const;

const kind = (kind: string, plural: string, namespaced: boolean) =>
  ({ group: apiGroup, version: apiVersionName, kind, plural, namespaced }) as const;

export const APP = kind("App", "apps", true);
export const PROFILE = kind("Profile", "profiles", false);
export const PIPELINE = kind("Pipeline", "pipelines", true);
export const RUN = kind("Run", "runs", true);
export const HOSTNAME_CLAIM = kind("HostnameClaim", "hostnameclaims", false);
