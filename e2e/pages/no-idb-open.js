// indexedDB.open throws, as in a browser whose policy blocks IndexedDB.
window.brokenStorage = [];
IDBFactory.prototype.open = function () {
  window.brokenStorage.push('indexedDB.open');
  throw new DOMException('IndexedDB is blocked (e2e)', 'InvalidStateError');
};
