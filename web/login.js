// The login page's only script: where to go after logging in, and why the last try failed.
const params = new URLSearchParams(location.search);
const next = params.get("next");
if (next && next.startsWith("/") && !next.startsWith("//")) document.getElementById("next").value = next;
if (params.get("failed")) document.getElementById("failed").hidden = false;
