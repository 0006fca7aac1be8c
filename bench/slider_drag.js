// A slider drag run in the page, for bench/slider_bench.py and the browser test that drags a slider:
// `steps` `input` events on the first attribute slider, `interval` ms apart, from −3 to +3; a
// MutationObserver times every change of the edited image. Waits `settle` ms after the last event.
// Returns {end: ms from the first event to the end of the drag, changes: [ms of each image change]}.
async ([steps, interval, settle]) => {
  const slider = document.querySelector("#sliders input[type=range]");
  const view = document.querySelector("#edited-view");
  const changes = [];
  const start = performance.now();
  const observer = new MutationObserver(() => changes.push(performance.now() - start));
  observer.observe(view, { attributes: true, attributeFilter: ["src"] });
  for (let i = 1; i <= steps; i++) {
    slider.value = String(-3 + (6 * i) / steps);
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  const end = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, settle));
  observer.disconnect();
  return { end, changes };
}
