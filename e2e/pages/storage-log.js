// Loaded after the tracker: each storage event this tab heard, in order. The tracker's listener was added
// first, so once a key shows here, the tracker has acted on it.
window.storageEvents = [];
addEventListener('storage', function (event) {
  window.storageEvents.push({ key: event.key, value: event.newValue });
});
