// The client's operations against the OpenAPI document the API builds from its route definitions (the same one
// it serves at /openapi.json): every path and method exists, answers the status the client expects, and its
// response schema has the keys the client's types read. Route factories only capture their services, so none
// are needed to build the document.
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../api/openapi.ts";
import { allRoutes } from "../../api/server.ts";
import { CLIENT_OPERATIONS } from "../../cli/client/api-client.ts";

type Schema = { properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[] };
type Operation = { responses: Record<string, { content?: Record<string, { schema?: Schema }> }> };

const services = new Proxy({}, { get: () => new Proxy({}, { get: () => undefined }) }) as never;
const document = openApiDocument(allRoutes(services), { version: "test" }) as {
  paths: Record<string, Record<string, Operation>>;
};

describe("the CLI's API client and /openapi.json", () => {
  for (const operation of CLIENT_OPERATIONS) {
    it(`${operation.method} ${operation.path}`, () => {
      const found = document.paths[operation.path]?.[operation.method.toLowerCase()];
      expect(found, "the API has no such operation").toBeDefined();
      const response = found!.responses[String(operation.status)];
      expect(response, `the API does not answer ${operation.status}`).toBeDefined();
      if (operation.keys.length === 0) return;
      let schema = response!.content?.["application/json"]?.schema;
      if (operation.page) schema = schema?.properties?.items?.items;
      expect(Object.keys(schema?.properties ?? {})).toEqual(expect.arrayContaining([...operation.keys]));
    });
  }
});
