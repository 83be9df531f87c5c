// Fieldbook's only script: starts the NHS.UK frontend components. Every page works without it.
//
// Loaded as <script type="module">, so it runs only in browsers NHS.UK frontend supports and,
// like a deferred script, after the document is parsed. NHS.UK's own page template marks support
// with an inline script; our CSP (script-src 'self') forbids inline scripts, so it is done here.
// The cost: components that restyle themselves when supported (header menu, tables) may shift
// once, just after first paint.
import { initAll } from "../dist/nhsuk/nhsuk-frontend.min.js";
import { initDrafts } from "./drafts.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
initDrafts(document);

// Content swapped in by htmx gets its components started too. htmx also fires this event for
// the whole body when it starts up; that body was initialised above, and initialising a
// component twice throws, so it is skipped.
document.addEventListener("htmx:load", (event) => {
  const element = event.detail && event.detail.elt;
  if (element && element !== document.body) {
    initAll(element);
  }
  if (element) {
    initDrafts(element);
  }
});
