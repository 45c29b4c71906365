// Behaviour every page shares. htmx does the partial updates (forms answer 422,
// 409 or 412 with their own fragment, errors beside the fields, which htmx swaps:
// see the htmx-config meta tag); any other failure is announced in #page-errors
// rather than leaving the page silently unchanged.
function showPageError(message) {
  const region = document.getElementById("page-errors");
  if (!region) return;
  region.textContent = message;
  region.hidden = false;
}
document.addEventListener("htmx:responseError", (event) => {
  const region = document.getElementById("page-errors");
  const status = event.detail.xhr.status;
  const key = status === 403 ? "forbidden" : status === 404 ? "missing" : "generic";
  if (region) showPageError(region.dataset[key] || region.dataset.generic);
});
document.addEventListener("htmx:sendError", () => {
  const region = document.getElementById("page-errors");
  if (region) showPageError(region.dataset.offline);
});
document.addEventListener("htmx:beforeRequest", () => {
  const region = document.getElementById("page-errors");
  if (region) region.hidden = true;
});
