// No Web Locks, as on a plain-http page that is not loopback.
delete Navigator.prototype.locks;
window.brokenStorage = [typeof navigator.locks];
