// Exam image viewer: a range input (arrow keys work) picks the image shown.
(function () {
  "use strict";
  var figure = document.querySelector(".viewer");
  var slider = document.getElementById("viewer-index");
  if (!figure || !slider) { return; }
  var image = document.getElementById("viewer-image");
  var position = document.getElementById("viewer-position");
  var base = figure.dataset.url.replace(/0\.png$/, "");
  slider.value = Math.floor(Number(slider.max) / 2);
  function show() {
    image.src = base + slider.value + ".png";
    position.textContent = Number(slider.value) + 1;
  }
  slider.addEventListener("input", show);
  show();
})();
