import { describe, expect, it } from "vitest";
import { StorageError } from "../db/storage-error.ts";
import { KubeApiError } from "../kube/kube-client.ts";
import { ApiError, httpStatusOf, problemOf, toApiError, UNAVAILABLE_RETRY_AFTER_SECONDS } from "./errors.ts";

describe("ApiError", () => {
  it("maps every code to one HTTP status", () => {
    expect(new ApiError("NotFound", "x").statusCode).toBe(404);
    expect(new Set(Object.values(httpStatusOf)).size).toBe(Object.keys(httpStatusOf).length);
  });

  it("renders RFC 9457 problem details with the code and the request id", () => {
    const error = new ApiError("InvalidRequest", "The body is invalid.", {
      errors: [{ field: "spec.image", message: "required" }],
    });
    expect(problemOf(error, "req-1", "/v1/tenants")).toEqual({
      type: "https://loco.dev/problems/invalid-request",
      title: "The request is invalid",
      status: 400,
      detail: "The body is invalid.",
      code: "InvalidRequest",
      requestId: "req-1",
      instance: "/v1/tenants",
      errors: [{ field: "spec.image", message: "required" }],
    });
  });
});

describe("toApiError", () => {
  it("keeps Fastify's body errors' meaning", () => {
    expect(toApiError({ code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 }).code).toBe("PayloadTooLarge");
    expect(toApiError({ code: "FST_ERR_CTP_INVALID_MEDIA_TYPE", statusCode: 415 }).code).toBe("UnsupportedMediaType");
    expect(toApiError({ code: "FST_ERR_CTP_INVALID_JSON_BODY", statusCode: 400 }).code).toBe("InvalidRequest");
  });

  it("maps storage and apiserver errors once, and hides anything else as Internal", () => {
    expect(toApiError(new StorageError("Exists", "It already exists.")).code).toBe("Conflict");
    expect(toApiError(new StorageError("Unavailable", "down")).code).toBe("Unavailable");
    const invalid = toApiError(
      new KubeApiError(422, "Invalid", "App is invalid", { causes: [{ field: "spec.image", message: "Required" }] }),
    );
    expect(invalid).toMatchObject({ code: "InvalidRequest", errors: [{ field: "spec.image", message: "Required" }] });
    expect(toApiError(new KubeApiError(0, "NetworkError", "ECONNREFUSED")).code).toBe("Unavailable");
    const internal = toApiError(new Error("secret connection string postgres://u:p@h"));
    expect(internal.code).toBe("Internal");
    expect(internal.message).not.toContain("postgres://");
  });

  it("tells the client when to come back while the database or the apiserver is down", () => {
    for (const down of [new StorageError("Unavailable", "down"), new KubeApiError(503, "ServiceUnavailable", "down")]) {
      const error = toApiError(down);
      expect(error.statusCode).toBe(503);
      expect(error.extra).toEqual({ retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS });
      expect(error.message).toContain(`retry after ${UNAVAILABLE_RETRY_AFTER_SECONDS}s`);
    }
  });
});
