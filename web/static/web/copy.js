// A "Copy" button beside a read-only field (the new calendar subscription's
// address): <button data-copy-target="<input id>" data-copy-status="<status id>">.
// The button is rendered hidden and shown here, so that without JavaScript only
// the field is offered (selected by hand and copied); what happened is said in the
// status element (role="status", aria-live), not by colour or an icon alone.
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("button[data-copy-target][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function announce(button, text) {
    const status = document.getElementById(button.dataset.copyStatus);
    if (!status) return;
    // Emptied first, so the same words said twice are announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function copyBySelection(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(button) {
    const field = document.getElementById(button.dataset.copyTarget);
    if (!field) return;
    const done = function () { announce(button, button.dataset.labelCopied); };
    const failed = function () {
      field.focus();
      field.select();
      announce(button, button.dataset.labelFailed);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (copyBySelection(field)) done(); else failed();
      });
    } else if (copyBySelection(field)) {
      done();
    } else {
      failed();
    }
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("button[data-copy-target]");
    if (button) copy(button);
  });
  // Content htmx swaps in (the subscriptions section after "Create").
  document.addEventListener("htmx:load", function (event) { reveal(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  } else {
    reveal(document);
  }
})();
