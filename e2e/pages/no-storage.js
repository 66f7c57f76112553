// The localStorage getter and document.cookie (get and set) throw, as with storage blocked for the site.
window.brokenStorage = [];
Object.defineProperty(window, 'localStorage', {
  configurable: true,
  get() {
    window.brokenStorage.push('localStorage');
    throw new DOMException('localStorage is blocked (e2e)', 'SecurityError');
  },
});
Object.defineProperty(Document.prototype, 'cookie', {
  configurable: true,
  get() {
    window.brokenStorage.push('cookie get');
    throw new DOMException('cookies are blocked (e2e)', 'SecurityError');
  },
  set() {
    window.brokenStorage.push('cookie set');
    throw new DOMException('cookies are blocked (e2e)', 'SecurityError');
  },
});
