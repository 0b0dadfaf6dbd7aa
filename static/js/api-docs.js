/* Draws the API reference with Redoc (served from this site) into #redoc-container. */
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  if (!container || !window.Redoc) { return; }
  var settings = {};
  try { settings = JSON.parse(container.getAttribute("data-settings") || "{}"); } catch (e) { settings = {}; }
  window.Redoc.init(container.getAttribute("data-schema-url"), settings, container);
}());
