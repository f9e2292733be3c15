// Filters: each unchecked box puts a class on <body> (off-k-KIND, off-s-SECTION) that the
// page's CSS turns into hidden highlights, rows or sections.  No network, no storage.
(function () {
  "use strict";
  var body = document.body;
  function apply(input) {
    var prefix = input.getAttribute("data-filter") === "kind" ? "off-k-" : "off-s-";
    body.classList.toggle(prefix + input.value, !input.checked);
  }
  var inputs = document.querySelectorAll("input[data-filter]");
  inputs.forEach(function (input) {
    input.addEventListener("change", function () { apply(input); });
    apply(input);
  });
  document.querySelectorAll("button[data-set]").forEach(function (button) {
    button.addEventListener("click", function () {
      var on = button.getAttribute("data-set") === "all";
      var group = button.getAttribute("data-group");
      document.querySelectorAll('input[data-filter="' + group + '"]').forEach(function (input) {
        input.checked = on;
        apply(input);
      });
    });
  });
})();
