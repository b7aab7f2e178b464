// One CustomResourceDefinition per kind, from its zod schema and its entry in crds/index.ts.
import { category, group, type KindDefinition, version } from "../index.ts";
import { type JsonSchema, structuralSchema } from "./structural-schema.ts";

// Kubernetes' own wording for the fields every object has; metadata is left to the apiserver, which allows no
// schema beyond `type: object` there.
const standardFields: JsonSchema = {
  apiVersion: {
    description: "Versioned schema of this object; the apiserver converts recognised versions to its own.",
    type: "string",
  },
  kind: { description: "Kind of object, in CamelCase.", type: "string" },
  metadata: { type: "object" },
};

/** The schema stored in the CRD: standard fields, then spec and status from zod, with root-level CEL rules. */
export function crdSchema(definition: KindDefinition): JsonSchema {
  const schema = structuralSchema(definition.schema);
  const properties = schema.properties as JsonSchema;
  const rules = schema["x-kubernetes-validations"];
  return {
    description: definition.summary,
    type: "object",
    properties: { ...standardFields, spec: properties.spec, status: properties.status },
    required: ["spec"],
    ...(rules === undefined ? {} : { "x-kubernetes-validations": rules }),
  };
}

export function crdName(definition: Pick<KindDefinition, "plural">): string {
  return `${definition.plural}.${group}`;
}

export function crdDocument(definition: KindDefinition): JsonSchema {
  const subresources: JsonSchema = { status: {} };
  if (definition.scale) subresources.scale = { ...definition.scale };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: crdName(definition),
      labels: { "app.kubernetes.io/name": "loco", "app.kubernetes.io/part-of": "loco" },
    },
    spec: {
      group,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: definition.shortNames,
        categories: [category],
      },
      scope: definition.scope,
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: crdSchema(definition) },
          subresources,
          additionalPrinterColumns: definition.printerColumns.map((column) => ({ ...column })),
          ...(definition.selectableFields
            ? { selectableFields: definition.selectableFields.map((jsonPath) => ({ jsonPath })) }
            : {}),
        },
      ],
    },
  };
}
