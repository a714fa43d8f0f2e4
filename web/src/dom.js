// The few DOM helpers every panel uses.
export const $ = (id) => document.getElementById(id);

// Replace a panel's content only when it changed: rebuilding DOM costs style and layout work.
export const setHTML = (el, html) => { if (el.__html !== html) { el.__html = html; el.innerHTML = html; } };

// onPick(id) when a row of the list `el` with a data-id is clicked.
export function onRowPick(el, onPick) {
  el.addEventListener("click", (e) => {
    const li = e.target.closest("li[data-id]");
    if (li) onPick(Number(li.dataset.id));
  });
}

export const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
