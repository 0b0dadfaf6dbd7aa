/* Commonset annotate page: keyboard shortcuts and submit without a full reload.
   Everything works without this file (plain form posts); this only makes it quicker.
   Also polls import progress on the campaign's import page. */
(function () {
  "use strict";

  var root = document.getElementById("annotate-root");
  var sheet = document.getElementById("shortcuts");

  function form() { return root && root.querySelector("form.annotate-form"); }

  // Focus where the keyboard is useful: the error message, else the first question's
  // input (its chosen option if any), else the record itself. Never the hidden CSRF input.
  function focusFirst() {
    var f = form();
    if (!f) { return; }
    var first = f.querySelector("fieldset.question");
    var target = f.querySelector("[data-focus]") ||
      f.querySelector(".has-error input:not([type=hidden]), .has-error textarea, .has-error select") ||
      (first && (first.querySelector("input:checked") ||
                 first.querySelector("input:not([type=hidden]), textarea, select")));
    if (!target) {
      target = f.querySelector("section.record");
      if (target) { target.tabIndex = -1; }
    }
    if (target) { target.focus({ preventScroll: true }); }
  }

  function showShortcutsButton() {
    var toggle = root && root.querySelector("[data-shortcuts-toggle]");
    if (toggle) { toggle.hidden = false; }
  }

  function toggleSheet(force) {
    if (!sheet) { return; }
    sheet.hidden = force === undefined ? !sheet.hidden : !force;
  }

  // My count and the campaign's completion (annotate.html's progress block).
  function showProgress(progress) {
    document.querySelectorAll("[data-progress]").forEach(function (el) {
      var value = progress[el.getAttribute("data-progress")];
      if (value !== undefined) { el.textContent = Number(value).toLocaleString(); }
    });
    var bar = document.querySelector("[data-progress-bar]");
    if (bar) { bar.value = progress.completed_percent; bar.textContent = progress.completed_percent + "%"; }
  }

  // The guidelines start open where they sit beside the record (wide screens).
  var guide = document.querySelector("details[data-open-when-wide]");
  if (guide && window.matchMedia && window.matchMedia("(min-width: 64rem)").matches) { guide.open = true; }

  function send(f, action) {
    var data = new FormData(f);
    data.set("action", action);
    var buttons = f.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    // The attribute, not f.action: the buttons are named "action", and a form's named
    // controls shadow its properties (f.action is then the buttons, not the URL).
    return fetch(f.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("application/json") === -1) {
        window.location.href = response.url;
        return null;
      }
      return response.json();
    }).then(function (payload) {
      if (!payload) { return; }
      if (payload.progress) { showProgress(payload.progress); }
      if (payload.state === "draft") {
        buttons.forEach(function (b) { b.disabled = false; });
        var status = f.querySelector("[data-draft-status]");
        if (status) { status.textContent = payload.detail; }
        return;
      }
      if (payload.html) {
        root.innerHTML = payload.html;
        if (window.commonsetLocalTime) { window.commonsetLocalTime(root); }
        showShortcutsButton();
        focusFirst();
        if (payload.state === "record") { window.scrollTo(0, 0); }
      } else if (payload.detail) {
        window.location.reload();
      }
    }).catch(function () {
      // Network trouble: fall back to a plain post.
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "action"; input.value = action;
      f.appendChild(input);
      f.submit();
    });
  }

  if (root) {
    showShortcutsButton();
    focusFirst();
    root.addEventListener("submit", function (event) {
      var f = event.target.closest("form.annotate-form");
      if (!f || f.querySelector("input[name=next]")) { return; }  // the edit page posts plainly
      event.preventDefault();
      var submitter = event.submitter;
      send(f, submitter && submitter.value ? submitter.value : "submit");
    });
    root.addEventListener("click", function (event) {
      if (event.target.closest("[data-shortcuts-toggle]")) { toggleSheet(); }
    });
    document.addEventListener("keydown", function (event) {
      var f = form();
      if (f && !event.altKey && (event.key === "s" || event.key === "S") && (event.ctrlKey || event.metaKey)) {
        var draft = f.querySelector("button[value=draft]");
        if (draft) { event.preventDefault(); f.requestSubmit ? f.requestSubmit(draft) : send(f, "draft"); }
        return;
      }
      if (!f || event.altKey || event.metaKey) { return; }
      var tag = (event.target.tagName || "").toLowerCase();
      var typing = tag === "textarea" || (tag === "input" && event.target.type === "text") || tag === "select";
      if (event.key === "Enter" && (!typing || event.ctrlKey) && tag !== "button") {
        event.preventDefault();
        f.requestSubmit ? f.requestSubmit(f.querySelector("button[value=submit]")) : send(f, "submit");
        return;
      }
      if (typing || event.ctrlKey) { return; }
      if (event.key === "?") { event.preventDefault(); toggleSheet(); return; }
      if (event.key === "Escape") { toggleSheet(false); return; }
      if (event.key === "s" || event.key === "S") {
        var skip = f.querySelector("button[value=skip]");
        if (skip) { event.preventDefault(); f.requestSubmit ? f.requestSubmit(skip) : send(f, "skip"); }
        return;
      }
      if (event.key === "d" || event.key === "D") {
        event.preventDefault();
        f.requestSubmit ? f.requestSubmit(f.querySelector("button[value=discard]")) : send(f, "discard");
        return;
      }
      if (/^[1-9]$/.test(event.key)) {
        var group = f.querySelector("fieldset[data-keys]");
        if (!group) { return; }
        var inputs = group.querySelectorAll("input[type=radio]");
        var input = inputs[parseInt(event.key, 10) - 1];
        if (input) { event.preventDefault(); input.checked = true; input.focus(); }
      }
    });
  }

  // Import progress bars.
  var jobs = document.querySelectorAll("[data-import-status]");
  jobs.forEach(function (el) {
    var state = el.getAttribute("data-state");
    if (state !== "pending" && state !== "running") { return; }
    var timer = setInterval(function () {
      fetch(el.getAttribute("data-import-status"), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          var bar = el.querySelector("progress");
          if (bar && job.percent !== null) { bar.value = job.percent; bar.textContent = job.percent + "%"; }
          var rows = el.querySelector("[data-field=rows]");
          if (rows) { rows.textContent = job.rows_done + (job.rows_total ? " of " + job.rows_total : ""); }
          var badge = el.querySelector("[data-field=state]");
          if (badge) { badge.textContent = job.state; }
          if (job.state !== "pending" && job.state !== "running") {
            clearInterval(timer);
            window.location.reload();
          }
        }).catch(function () { clearInterval(timer); });
    }, 1500);
  });
}());
