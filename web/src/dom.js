// The few DOM helpers every panel uses.
export const $ = (id) => document.getElementById(id);

// Replace a panel's content only when it changed: rebuilding DOM costs style and layout work.
export const setHTML = (el, html) => { if (el.__html !== html) { el.__html = html; el.innerHTML = html; } };

export const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
