// The console's entry: the query cache, the router, and the rule that any 401 sends the user to sign in and back.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiProblem, whenUnauthorized } from "./api.ts";
import { router } from "./router.tsx";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // Retrying a 4xx changes nothing; a dropped connection may come back.
      retry: (count, error) => !(error instanceof ApiProblem && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});

whenUnauthorized(() => {
  queryClient.clear();
  const here = `${location.pathname}${location.search}`;
  if (location.pathname !== "/sign-in") void router.navigate({ to: "/sign-in", search: { next: here } });
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} context={{ queryClient }} />
    </QueryClientProvider>
  </StrictMode>,
);
