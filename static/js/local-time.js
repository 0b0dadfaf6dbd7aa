/* Rewrites <time data-local-time> (rendered in UTC) into the visitor's time zone, with the
   zone's name, e.g. "3 Dec 2026, 10:00 CET". Without JavaScript the UTC text stays. */
(function () {
  "use strict";
  function rewrite(el) {
    var date = new Date(el.getAttribute("datetime"));
    if (isNaN(date.getTime())) return;
    var dateOnly = el.getAttribute("data-local-time") === "date";
    var options = dateOnly
      ? { day: "numeric", month: "short", year: "numeric" }
      : { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
          timeZoneName: "short" };
    try {
      el.textContent = new Intl.DateTimeFormat(undefined, options).format(date);
      el.title = date.toISOString().replace(".000Z", "Z").replace("T", " ").replace("Z", " UTC");
    } catch (e) { /* keep the UTC text */ }
  }
  function run(scope) {
    var nodes = (scope && scope.querySelectorAll ? scope : document).querySelectorAll("time[data-local-time]");
    for (var i = 0; i < nodes.length; i++) rewrite(nodes[i]);
  }
  // For pages that replace part of themselves (the annotate page's next record).
  window.commonsetLocalTime = run;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { run(); });
  else run();
})();
