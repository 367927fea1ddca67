// Copying to the clipboard: the Clipboard API where the page is a secure context, else a copy command on a
// hidden text area (a page opened from a plain http:// address on a network).
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
  } catch (err) { /* fall back below */ }
  const area = document.createElement("textarea");
  area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
  document.body.append(area); area.select();
  let ok = false;
  try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
  area.remove();
  return ok;
}

// Says on the control itself that it worked (`said`), then puts its own words (`words`) back.
export function flash(el, said, ok, words) {
  clearTimeout(el._flash);
  el.textContent = said;
  el.dataset.copied = ok ? "1" : "0";
  el._flash = setTimeout(() => { el.textContent = words; delete el.dataset.copied; }, 2500);
}

