// The control of e2e/long-tasks.e2e.ts: a window.tracker with the methods the scenarios call, doing nothing.
window.tracker = {
  track() {
    return '';
  },
  flush() {
    return Promise.resolve();
  },
};
