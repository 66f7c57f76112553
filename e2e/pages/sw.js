// A site's service worker that loads the tracker's worker build into itself, as a site with a worker of
// its own would: it then delivers the queued events of the site's pages on Background Sync.
importScripts('/dist/sw.js');
