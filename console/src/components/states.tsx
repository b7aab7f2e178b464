// Loading, empty and error states, the same on every page. A 404 from the API reads "not found" whether the object
// is missing or belongs to another tenant: the API answers both alike, and so does the console.
import { ApiProblem } from "../api.ts";

export function Loading({ what }: { what: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="state empty">{children}</p>;
}

export function ErrorState({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiProblem && error.status === 404) {
    return (
      <div className="state error" role="alert">
        <h2>Not found</h2>
        <p>
          There is no {what} here, or you may not see it. Check the name and the profile, or ask the tenant's owner for
          access.
        </p>
      </div>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert">
      <h2>Could not load {what}</h2>
      <p>{message}</p>
      {error instanceof ApiProblem && error.requestId && (
        <p className="muted">
          Request id <code>{error.requestId}</code> (give it to your platform team).
        </p>
      )}
    </div>
  );
}

/** A change the API refused or could not make: what failed and the API's own words on why and what to do. */
export function ActionError({ error, what }: { error: unknown; what: string }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p className="state error" role="alert">
      Could not {what}: {message}
      {error instanceof ApiProblem && error.requestId && (
        <span className="muted">
          {" "}
          (request id <code>{error.requestId}</code>)
        </span>
      )}
    </p>
  );
}

/** A change that went through, said once and announced to screen readers. */
export function Done({ children }: { children: React.ReactNode }) {
  return (
    <p className="state ok" role="status">
      {children}
    </p>
  );
}
