// GET /api/v1/config, asked once per page: what the wall needs to know of the server's set-up
// (the basemap, the photo hosts shown as thumbnails). {} from an older server without it.
let asked = null;
export function serverConfig() {
  asked ??= fetch("/api/v1/config", { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  return asked;
}
