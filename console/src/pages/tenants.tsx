// The start page: the tenants the caller belongs to; with exactly one, straight to its overview.

import { useQuery } from "@tanstack/react-query";
import { Link, Navigate } from "@tanstack/react-router";
import type { Tenant } from "../../../api/contract.ts";
import { apiAll } from "../api.ts";
import { Empty, ErrorState, Loading } from "../components/states.tsx";

export function TenantsPage() {
  const tenants = useQuery({ queryKey: ["tenants"], queryFn: () => apiAll<Tenant>("/v1/tenants") });
  if (tenants.isPending) return <Loading what="your tenants" />;
  if (tenants.isError) return <ErrorState error={tenants.error} what="tenants" />;
  if (tenants.data.length === 1)
    return <Navigate to="/tenants/$tenant" params={{ tenant: tenants.data[0]!.name }} replace />;
  return (
    <section>
      <h1>Your tenants</h1>
      {tenants.data.length === 0 ? (
        <Empty>You belong to no tenant yet. Ask a tenant's owner to add you, or a platform admin to create one.</Empty>
      ) : (
        <ul className="cards">
          {tenants.data.map((t) => (
            <li key={t.name}>
              <Link to="/tenants/$tenant" params={{ tenant: t.name }}>
                {t.displayName || t.name}
              </Link>{" "}
              <span className="muted">({t.role ?? "no role"})</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
