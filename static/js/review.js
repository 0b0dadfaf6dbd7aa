/* Commonset review queue: A accept, R reject (with the comment typed), J next, K previous.
   Everything works without this file: the keys press the page's own buttons and links. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    var control = document.querySelector('[data-key="' + event.key.toLowerCase() + '"]');
    if (!control) { return; }
    event.preventDefault();
    control.click();
  });
}());
