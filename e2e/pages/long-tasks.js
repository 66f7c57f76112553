// Loaded before the tracker (a parser-blocking script in the head): every long task of the page from then
// on, for e2e/long-tasks.e2e.ts. The Long Tasks API says when a task over 50 ms ran and how long, not
// whose it was; the long animation frames (where the engine has them) name the scripts that ran in one,
// for the message of a failure.
window.longTasks = { tasks: [], scripts: [] };
new PerformanceObserver((list) => {
  for (const task of list.getEntries()) longTasks.tasks.push([task.startTime, task.duration]);
}).observe({ type: 'longtask' });
if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
  new PerformanceObserver((list) => {
    for (const frame of list.getEntries()) {
      for (const script of frame.scripts) {
        longTasks.scripts.push({ start: script.startTime, duration: script.duration, invoker: script.invoker, url: script.sourceURL, at: script.sourceCharPosition });
      }
    }
  }).observe({ type: 'long-animation-frame' });
}
