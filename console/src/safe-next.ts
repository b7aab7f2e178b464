// Where to go after signing in: only a path of this console, never another site (an open redirect).
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (next.startsWith("/sign-in") || next.startsWith("/auth/callback")) return "/";
  return next;
}
