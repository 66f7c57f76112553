// Loaded before the tracker's tag: records each script that failed to load (as one whose digest does
// not match its integrity attribute does), so that a test tells a blocked script from a missing one.
window.failedScripts = [];
addEventListener('error', (event) => {
  if (event.target instanceof HTMLScriptElement) window.failedScripts.push(event.target.src);
}, true);
