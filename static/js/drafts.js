// Unsaved-form drafts: what an enabler types survives a reload, a crash or a lost connection,
// and nobody else on the same browser can ever read it.
//
// A form opts in with data-draft="NAME" and data-draft-key-url (the signed-in user's draft key,
// fieldbook.drafts, sent no-store to that user alone). Every change is encrypted in the browser
// (AES-GCM, Web Crypto) with that key and written to localStorage under the user's opaque name
// (<body data-draft-owner>), with the form's hidden idempotency key, so re-sending a restored
// draft can never log the same visit twice. A blank form (data-draft-fresh) offers to restore a
// saved draft. A page that confirms a save carries data-draft-saved="NAME", which deletes the
// draft.
//
// On every page: drafts of any other user (someone signed in before on this browser), drafts
// older than <body data-draft-days> days and drafts from older versions of this file (kept in
// plain text) are deleted. Signing out deletes every draft. Without Web Crypto (a page served
// over plain HTTP from another host) no draft is kept at all: never one in plain text.
const PREFIX = "fieldbook:draft:";
const VERSION = 2;
const DAY_MS = 24 * 60 * 60 * 1000;
const SKIP = new Set(["csrfmiddlewaretoken"]);

function storage() {
  try {
    return window.localStorage;
  } catch (error) {
    return null; // private mode or storage disabled: drafts are a convenience, not a must
  }
}

function owner() {
  return document.body ? document.body.dataset.draftOwner || "" : "";
}

function maxAgeMs() {
  const days = Number(document.body?.dataset.draftDays || 14);
  return (Number.isFinite(days) && days > 0 ? days : 14) * DAY_MS;
}

function keyFor(name) {
  return `${PREFIX}${owner()}:${name}`;
}

function removeAll(store, keep) {
  for (let i = store.length - 1; i >= 0; i -= 1) {
    const key = store.key(i);
    if (key && key.startsWith(PREFIX) && !keep(key)) store.removeItem(key);
  }
}

// Keep only this user's current drafts. Runs on every page a signed-in user opens, so the
// first page after someone else signs in on this browser removes the last person's drafts.
function sweep(store) {
  const mine = owner();
  if (!mine) return; // signed out: the drafts stay encrypted until someone signs in
  const now = Date.now();
  const oldest = now - maxAgeMs();
  removeAll(store, (key) => {
    if (!key.startsWith(`${PREFIX}${mine}:`)) return false;
    try {
      const saved = JSON.parse(store.getItem(key));
      return saved && saved.v === VERSION && saved.savedAt > oldest && saved.savedAt <= now + DAY_MS;
    } catch (error) {
      return false;
    }
  });
}

function toBase64(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

const keys = new Map(); // key URL -> Promise<CryptoKey|null>, once per page

function cryptoKey(url) {
  if (!window.crypto?.subtle || !url) return Promise.resolve(null);
  if (!keys.has(url)) {
    keys.set(url, fetch(url, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => {
        // A key for someone other than the page's user (a sign-in in another tab): no drafts.
        if (!body || body.owner !== owner()) return null;
        return window.crypto.subtle.importKey(
          "raw", fromBase64(body.key), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
      })
      .catch(() => null));
  }
  return keys.get(url);
}

async function seal(key, data) {
  const iv = window.crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(data));
  const sealed = await window.crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plain);
  return { v: VERSION, savedAt: Date.now(), iv: toBase64(iv), ct: toBase64(sealed) };
}

async function open(key, saved) {
  const plain = await window.crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(saved.iv) }, key, fromBase64(saved.ct));
  return JSON.parse(new TextDecoder().decode(plain));
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

function offerRestore(form, store, storeKey, savedAt, data) {
  const notice = form.querySelector("[data-draft-notice]");
  if (!notice) return;
  const when = new Date(savedAt);
  notice.querySelector("[data-draft-when]").textContent = when.toLocaleString("en-GB", {
    weekday: "long", hour: "2-digit", minute: "2-digit",
  });
  notice.hidden = false;
  notice.querySelector("[data-draft-restore]").addEventListener("click", () => {
    restore(form, data);
    notice.hidden = true;
    form.dispatchEvent(new Event("change", { bubbles: true }));
  });
  notice.querySelector("[data-draft-discard]").addEventListener("click", () => {
    store.removeItem(storeKey);
    notice.hidden = true;
  });
}

// Drafts hold private notes: signing out (perhaps on a shared computer) forgets them all.
function forgetOnSignOut(root, store) {
  for (const form of root.querySelectorAll("form.nhsuk-header__account-form")) {
    if (form.dataset.draftForget) continue;
    form.dataset.draftForget = "true";
    form.addEventListener("submit", () => removeAll(store, () => false));
  }
}

function bind(form, store) {
  const storeKey = keyFor(form.dataset.draft);
  // Listen at once (typing may start before the key arrives); write only once there is a key.
  const keyReady = cryptoKey(form.dataset.draftKeyUrl);
  let writing = Promise.resolve();
  const save = () => {
    const data = serialise(form);
    writing = writing
      .then(() => keyReady)
      .then((key) => (key ? seal(key, data) : null)) // no key, no draft: never plain text
      .then((saved) => saved && store.setItem(storeKey, JSON.stringify(saved)))
      .catch(() => {});
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  const raw = store.getItem(storeKey);
  if (!raw || !form.hasAttribute("data-draft-fresh")) return;
  keyReady.then(async (key) => {
    if (!key) return;
    try {
      const saved = JSON.parse(raw);
      offerRestore(form, store, storeKey, saved.savedAt, await open(key, saved));
    } catch (error) {
      store.removeItem(storeKey); // not ours, tampered with, or from an older version
    }
  });
}

export function initDrafts(root) {
  const store = storage();
  if (!store) return;
  if (root === document) sweep(store);
  forgetOnSignOut(root, store);
  for (const marker of root.querySelectorAll("[data-draft-saved]")) {
    store.removeItem(keyFor(marker.dataset.draftSaved));
  }
  for (const form of root.querySelectorAll("form[data-draft]")) {
    if (form.dataset.draftBound) continue;
    form.dataset.draftBound = "true";
    bind(form, store);
  }
}
