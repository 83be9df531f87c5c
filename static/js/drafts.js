// Unsaved-form drafts: what an enabler types survives a reload, a crash or a lost connection.
//
// A form opts in with data-draft="NAME". Every change is written to localStorage under that
// name, with the form's hidden idempotency key, so re-sending a restored draft can never log the
// same visit twice. A blank form (data-draft-fresh) offers to restore a saved draft. A page that
// confirms a save carries data-draft-saved="NAME", which deletes the draft. Signing out deletes
// every draft.
const PREFIX = "fieldbook:draft:";
const SKIP = new Set(["csrfmiddlewaretoken"]);

function storage() {
  try {
    return window.localStorage;
  } catch (error) {
    return null; // private mode or storage disabled: drafts are a convenience, not a must
  }
}

function serialise(form) {
  const data = {};
  for (const el of form.elements) {
    if (!el.name || SKIP.has(el.name) || el.type === "file" || el.type === "submit") continue;
    if (el.type === "checkbox" || el.type === "radio") {
      data[el.name] = data[el.name] || [];
      if (el.checked) data[el.name].push(el.value);
    } else {
      data[el.name] = el.value;
    }
  }
  return data;
}

function restore(form, data) {
  for (const el of form.elements) {
    if (!el.name || SKIP.has(el.name) || !(el.name in data)) continue;
    const value = data[el.name];
    if (el.type === "checkbox" || el.type === "radio") {
      el.checked = Array.isArray(value) && value.includes(el.value);
    } else if (el.type !== "file" && el.type !== "submit") {
      el.value = value;
    }
  }
}

function offerRestore(form, key, saved) {
  const notice = form.querySelector("[data-draft-notice]");
  if (!notice) return;
  const when = new Date(saved.savedAt);
  notice.querySelector("[data-draft-when]").textContent = when.toLocaleString("en-GB", {
    weekday: "long", hour: "2-digit", minute: "2-digit",
  });
  notice.hidden = false;
  notice.querySelector("[data-draft-restore]").addEventListener("click", () => {
    restore(form, saved.data);
    notice.hidden = true;
    form.dispatchEvent(new Event("change", { bubbles: true }));
  });
  notice.querySelector("[data-draft-discard]").addEventListener("click", () => {
    storage()?.removeItem(key);
    notice.hidden = true;
  });
}

// Drafts hold private notes: signing out (perhaps on a shared computer) forgets them all.
function forgetOnSignOut(root, store) {
  for (const form of root.querySelectorAll("form.nhsuk-header__account-form")) {
    if (form.dataset.draftForget) continue;
    form.dataset.draftForget = "true";
    form.addEventListener("submit", () => {
      for (let i = store.length - 1; i >= 0; i -= 1) {
        const key = store.key(i);
        if (key && key.startsWith(PREFIX)) store.removeItem(key);
      }
    });
  }
}

export function initDrafts(root) {
  const store = storage();
  if (!store) return;
  forgetOnSignOut(root, store);
  for (const marker of root.querySelectorAll("[data-draft-saved]")) {
    store.removeItem(PREFIX + marker.dataset.draftSaved);
  }
  for (const form of root.querySelectorAll("form[data-draft]")) {
    if (form.dataset.draftBound) continue;
    form.dataset.draftBound = "true";
    const key = PREFIX + form.dataset.draft;
    const raw = store.getItem(key);
    if (raw && form.hasAttribute("data-draft-fresh")) {
      try {
        offerRestore(form, key, JSON.parse(raw));
      } catch (error) {
        store.removeItem(key);
      }
    }
    const save = () => {
      store.setItem(key, JSON.stringify({ savedAt: Date.now(), data: serialise(form) }));
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  }
}
