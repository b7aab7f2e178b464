// A plain anchor that navigates inside the console, for long tables: the router's <Link> subscribes every link to
// the router's state, which for hundreds of rows costs more than the rows themselves. Modified clicks (new tab,
// new window) are left to the browser.
import { useRouter } from "@tanstack/react-router";

export function RowLink({ href, children }: { href: string; children: React.ReactNode }) {
  const router = useRouter();
  return (
    <a
      href={href}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        void router.navigate({ href });
      }}
    >
      {children}
    </a>
  );
}
