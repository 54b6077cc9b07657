// Search as the caller speaks: results follow the words typed (after a short pause), through /api/search.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  var q = document.getElementById("q"), region = document.getElementById("region"), family = document.getElementById("family");
  var list = document.getElementById("results"), status = document.getElementById("status");
  var timer = null, seq = 0;

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function show(data) {
    list.textContent = "";
    data.results.forEach(function (r) {
      var li = el("li", "result");
      var a = el("a", "result-name", r.name);
      a.href = "/console/item/" + encodeURIComponent(r.region_key) + "/" + encodeURIComponent(r.key);
      li.appendChild(a);
      li.appendChild(el("span", "tag", r.region));
      if (r.variants.length) li.appendChild(el("span", "variants", "业务办理项：" + r.variants.join("、")));
      li.appendChild(el("div", "why", r.why));
      li.appendChild(el("div", "src", r.family + " · 《" + r.guide + "》" + r.source));
      list.appendChild(li);
    });
    status.textContent = data.q ? "找到 " + data.results.length + " 项（" + Math.round(data.ms) + " 毫秒）" : "按来电人的说法输入即可，无需事项全称。";
  }

  function run() {
    var mine = ++seq;
    var params = new URLSearchParams({ q: q.value, region: region.value, family: family.value });
    history.replaceState(null, "", "/console?" + params.toString());
    fetch("/api/search?" + params.toString(), { credentials: "same-origin" })
      .then(function (resp) {
        if (resp.status === 401) { location.href = "/console/login?next=/console"; return null; }
        return resp.json();
      })
      .then(function (data) { if (data && mine === seq) show(data); })
      .catch(function () { status.textContent = "网络连接失败，请稍后重试。"; });
  }

  function later() { clearTimeout(timer); timer = setTimeout(run, 250); }
  q.addEventListener("input", later);
  region.addEventListener("change", run);
  family.addEventListener("change", run);
  form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
})();

// "复制答复": the ready-to-send reply to the clipboard (or selected for Ctrl+C where that is refused).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll(".handover"), function (box) {
    var area = box.querySelector(".handover-text"), button = box.querySelector(".copy"), said = box.querySelector(".copied");
    button.addEventListener("click", function () {
      function selected() { area.focus(); area.select(); return document.execCommand && document.execCommand("copy"); }
      var done = function () { said.textContent = "已复制，可直接粘贴发送"; };
      var manual = function () { said.textContent = selected() ? "已复制，可直接粘贴发送" : "已选中，请按 Ctrl+C 复制"; };
      if (!(navigator.clipboard && navigator.clipboard.writeText)) return manual();
      var settled = false;
      function once(fn) { return function () { if (!settled) { settled = true; fn(); } }; }
      setTimeout(once(manual), 1500); // a permission prompt nobody answers: fall back
      navigator.clipboard.writeText(area.value).then(once(done), once(manual));
    });
  });
})();
