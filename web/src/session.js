// Who the wall is looking as (docs/security.md). A wall needs viewer access: a session cookie
// from the login page or a kiosk link, or a server run with --public-read. Without one it goes
// to the login page and comes back here afterwards.
export async function requireViewer() {
  let r;
  try {
    r = await fetch("/api/v1/session", { cache: "no-store" });
  } catch {
    return null; // the server is down: the wall's own retries take over
  }
  if (r.status === 401) {
    location.assign(`/login.html?next=${encodeURIComponent(location.pathname + location.search)}`);
    return new Promise(() => {}); // the page is going away
  }
  return r.ok ? r.json() : null;
}
