(function (root) {
  var data = JSON.parse(root.querySelector("script.minidl-player-data").textContent);
  var img = root.querySelector("img.minidl-player-frame");
  var inputs = root.querySelectorAll("[data-control]");
  function show() {
    var index = 0, alt = [];
    for (var i = 0; i < inputs.length; i++) {
      var pos = Number(inputs[i].value);
      index = index * data.sizes[i] + pos;
      var out = inputs[i].parentNode.querySelector("output");
      if (out) { out.textContent = data.labels[i][pos]; }
      alt.push(data.labels[i][pos]);
    }
    img.src = data.frames[index];
    img.alt = data.title + ": " + alt.join(", ");
  }
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("input", show);
    inputs[i].addEventListener("change", show);
  }
  var button = root.querySelector("[data-play]"), timer = null;
  if (button) {
    button.addEventListener("click", function () {
      var slider = inputs[Number(button.getAttribute("data-play"))];
      if (timer) { clearInterval(timer); timer = null; button.textContent = "\u25B6 play"; return; }
      button.textContent = "\u275A\u275A pause";
      timer = setInterval(function () {
        slider.value = (Number(slider.value) + 1) % (Number(slider.max) + 1);
        show();
      }, 350);
    });
  }
  show();
})(document.currentScript.parentNode);
