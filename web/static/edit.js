// The change form: show the chosen field's live text and start the new text from it.
(function () {
  var field = document.getElementById("field");
  var text = document.getElementById("text");
  if (!field || !text) return;
  field.addEventListener("change", function () {
    var boxes = document.querySelectorAll(".current");
    for (var i = 0; i < boxes.length; i++) {
      var mine = boxes[i].getAttribute("data-field") === field.value;
      boxes[i].hidden = !mine;
      if (mine) text.value = boxes[i].textContent === "（指南未写明）" ? "" : boxes[i].textContent;
    }
  });
})();
