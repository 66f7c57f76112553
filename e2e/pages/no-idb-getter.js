// Reading window.indexedDB itself throws.
window.brokenStorage = [];
Object.defineProperty(window, 'indexedDB', {
  configurable: true,
  get() {
    window.brokenStorage.push('indexedDB');
    throw new DOMException('IndexedDB is not available (e2e)', 'SecurityError');
  },
});
