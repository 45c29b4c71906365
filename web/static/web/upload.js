// The upload forms (the draft report on the visit page, an implementation report
// with its evidence on a recommendation's page): shows the upload's progress and lets
// the form's own error answers (413 too big, beside 409 and 422) be swapped in.
(function () {
  function uploadForm(event) {
    const elt = event.detail && event.detail.elt;
    return elt && elt.classList && elt.classList.contains("upload-form") ? elt : null;
  }
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = uploadForm(event);
    if (!form) return;
    const box = form.querySelector(".upload-progress");
    const bar = form.querySelector("progress");
    if (box && bar) {
      bar.value = 0;
      box.hidden = false;
    }
  });
  document.addEventListener("htmx:xhr:progress", (event) => {
    const form = uploadForm(event);
    if (!form || !event.detail.lengthComputable) return;
    const bar = form.querySelector("progress");
    if (bar) bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (uploadForm(event) && event.detail.xhr.status === 413) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = uploadForm(event);
    if (!form) return;
    const box = form.querySelector(".upload-progress");
    if (box) box.hidden = true;
  });
})();
