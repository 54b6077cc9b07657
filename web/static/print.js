// The print button of the 一次性告知单 (scripts may not be inline under the page's policy).
(function () {
  var b = document.getElementById("print");
  if (b) b.addEventListener("click", function () { window.print(); });
})();
