// Phones: the layer tools fold behind one button (see app.css, max-width 700px).
(function () {
  const tools = document.getElementById("map-tools");
  const toggle = document.getElementById("tools-toggle");
  toggle.addEventListener("click", () => {
    const open = tools.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
})();
