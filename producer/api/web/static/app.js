// cohortcv page script: confirmations, the formats field, and live progress from the JSON API.
"use strict";
(function () {
  var FINAL = ["completed", "failed", "cancelled"];
  var labels = {};
  try { labels = JSON.parse(document.getElementById("labels").textContent); } catch (e) { labels = {}; }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });

  var formats = document.getElementById("formats");
  if (formats) {
    var sync = function () {
      var chosen = [];
      document.querySelectorAll("input.fmt").forEach(function (box) { if (box.checked) chosen.push(box.value); });
      formats.value = chosen.join(",");
    };
    document.querySelectorAll("input.fmt").forEach(function (box) { box.addEventListener("change", sync); });
    sync();
  }

  function update(el, batch) {
    var c = batch.counts;
    var pct = c.accepted ? Math.floor((c.done + c.dead) * 100 / c.accepted) : 100;
    var bar = el.querySelector("progress.bar");
    if (bar) { bar.value = pct; bar.textContent = pct + "%"; }
    el.querySelectorAll("[data-count]").forEach(function (span) {
      var key = span.getAttribute("data-count");
      if (key in c) { span.textContent = String(c[key]); }
    });
    var status = el.querySelector(".status");
    if (status) { status.textContent = labels[batch.status] || batch.status; }
    el.setAttribute("data-status", batch.status);
  }

  function poll(el) {
    var id = el.getAttribute("data-batch-id");
    var before = el.getAttribute("data-status");
    if (FINAL.indexOf(before) >= 0) { return; }
    fetch("/v1/batches/" + encodeURIComponent(id), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (batch) {
        if (!batch) { return; }
        update(el, batch);
        if (FINAL.indexOf(batch.status) >= 0) {
          // The finished batch's report and download buttons are drawn by the server.
          window.location.reload();
          return;
        }
        window.setTimeout(function () { poll(el); }, 1500);
      })
      .catch(function () { window.setTimeout(function () { poll(el); }, 5000); });
  }

  document.querySelectorAll("[data-batch-id]").forEach(function (el) { poll(el); });
}());
