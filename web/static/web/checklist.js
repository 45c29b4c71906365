// The visit page's checklist (web/views/checklist_rows.py). Each row's form is
// sent through htmx as soon as one of its fields changes (or on Enter in a number),
// and htmx swaps the row it answers in (hx-target and hx-swap on the list, which
// every row inherits). One listener for the whole list: the rows carry no hx-post
// or hx-trigger of their own, as a 300-item list would ship them 300 times.
// Without JavaScript the forms work as plain forms (their Save button).
function sendChecklistRow(form) {
  window.htmx.ajax("POST", form.action, { source: form });
}
document.addEventListener("change", (event) => {
  const form = event.target.form;
  if (window.htmx && form && form.closest("ol.checklist")) sendChecklistRow(form);
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!window.htmx || !form.closest("ol.checklist")) return;
  event.preventDefault();
  sendChecklistRow(form);
});
