// The searchable unit filter (web/templates/web/dashboard/_unit_field.html): when
// the text typed is one of the suggestions, the hidden field gets that unit's id
// (what the filter travels as); any other text empties it, and the server then
// finds the unit the text names. Choosing a unit or emptying the field is
// announced as a "change" event, which the filter forms (htmx's trigger, the
// calendar) listen to.
(function () {
  "use strict";

  function chosenId(input) {
    const list = input.list;
    if (!list) return "";
    for (const option of list.options) {
      if (option.value === input.value) return option.dataset.unit || "";
    }
    return "";
  }

  document.addEventListener("input", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.unitChoice) return;
    const hidden = document.getElementById(input.dataset.unitChoice);
    if (!hidden) return;
    const emptied = input.value.trim() === "";
    const id = emptied ? "" : chosenId(input);
    if (id === hidden.value) return;
    hidden.value = id;
    // A unit chosen, or the field emptied: the filter applies now. Text that
    // names no suggestion yet waits for the field's own change (leaving it).
    if (id !== "" || emptied) hidden.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
