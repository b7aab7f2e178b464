// The OpenAPI 3.1 document, generated from the same route definitions (and zod schemas) that validate requests.
import { z } from "zod";
import { PROBLEM_CONTENT_TYPE } from "./errors.ts";
import type { RouteDefinition } from "./route.ts";

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    reused: "inline",
    unrepresentable: "any",
  }) as Json;
  return rest;
}

const problemSchema: Json = {
  type: "object",
  required: ["type", "title", "status", "detail", "code", "requestId"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string", description: "What failed, why, and what to do." },
    code: { type: "string", description: "Stable error code (ApiError union)." },
    requestId: { type: "string" },
    instance: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["field", "message"],
        properties: { field: { type: "string" }, message: { type: "string" } },
      },
    },
  },
};

function parameters(schema: z.ZodType | undefined, location: "path" | "query"): Json[] {
  if (!schema) return [];
  const object = jsonSchema(schema, "input") as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: location,
      required: location === "path" || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: propertySchema,
    };
  });
}

const problemResponse = (description: string): Json => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } },
});

export function openApiDocument(routes: RouteDefinition[], info: { version: string }): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, "{$1}");
    const responses: Json = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const types = response.contentTypes ?? ["application/json"];
      responses[status] =
        response.schema || response.contentTypes
          ? {
              description: response.description,
              content: Object.fromEntries(
                types.map((type) => [type, response.schema ? { schema: jsonSchema(response.schema, "output") } : {}]),
              ),
            }
          : { description: response.description };
    }
    if (route.auth === "required") {
      responses["401"] = problemResponse("Missing, invalid or expired credentials.");
      responses["403"] = problemResponse("The caller's role does not allow this.");
      responses["429"] = problemResponse("Too many requests; retry after the Retry-After header's seconds.");
    }
    if (route.clusterWrite) {
      responses["503"] = problemResponse(
        "Too many changes to the cluster in progress on this server: nothing was done; retry after the Retry-After header's seconds.",
      );
    }
    if (route.params || route.query || route.body) responses["400"] = problemResponse("The request is invalid.");
    if (route.body) {
      responses["413"] = problemResponse("The request body is too large.");
      responses["415"] = problemResponse("The request body is not JSON.");
    }
    responses.default = problemResponse("An error, as problem details.");
    paths[path] = {
      ...paths[path],
      [route.method.toLowerCase()]: {
        operationId: route.operationId,
        summary: route.summary,
        tags: [route.tag],
        ...(route.auth === "required" ? { security: [{ bearer: [] }] } : { security: [] }),
        parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query")],
        ...(route.body
          ? {
              requestBody: {
                required: true,
                content: { "application/json": { schema: jsonSchema(route.body, "input") } },
              },
            }
          : {}),
        responses,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "loco API",
      version: info.version,
      description: "Multi-tenant API of loco. Errors are application/problem+json; see docs/api.md.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An API token (loco_…) or an OpenID Connect access token from the configured issuer.",
        },
      },
      schemas: { Problem: problemSchema },
    },
  };
}
