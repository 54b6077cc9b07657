// The village walkthrough: one step at a time, each marked done; nothing is stored.
(function () {
  "use strict";
  var steps = Array.prototype.slice.call(document.querySelectorAll(".step"));
  if (!steps.length) return;
  var prev = document.getElementById("prev"), next = document.getElementById("next"), progress = document.getElementById("progress");
  var at = 0;
  function show() {
    steps.forEach(function (s, i) { s.classList.toggle("current", i === at); });
    prev.disabled = at === 0;
    next.disabled = at === steps.length - 1;
    var done = steps.filter(function (s) { return s.classList.contains("finished"); }).length;
    progress.textContent = "已完成 " + done + " / " + steps.length + " 步";
  }
  steps.forEach(function (s, i) {
    s.querySelector(".done-box").addEventListener("change", function (e) {
      s.classList.toggle("finished", e.target.checked);
      if (e.target.checked && i < steps.length - 1) at = i + 1;
      show();
    });
  });
  prev.addEventListener("click", function () { if (at > 0) { at--; show(); } });
  next.addEventListener("click", function () { if (at < steps.length - 1) { at++; show(); } });
  show();
})();
