// What the apiserver said when it refused a request made through client-node.
import { ApiException } from "@kubernetes/client-node";

export interface Rejection {
  code: number;
  /** The Status object's message, e.g. `App.loco.dev "x" is invalid: spec.replicas: ...`. */
  message: string;
}

/** Awaits `request`, which must fail, and returns the apiserver's status code and message. */
export async function rejection(request: Promise<unknown>): Promise<Rejection> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body = typeof error.body === "string" ? error.body : JSON.stringify(error.body);
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      // Not a Status object; the raw body says more than nothing.
    }
    return { code: error.code, message };
  }
  throw new Error("Expected the apiserver to refuse the request, but it was accepted");
}
