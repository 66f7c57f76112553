// Every pageshow this document saw: persisted is true when it came back from the back/forward cache.
window.pageshows = [];
addEventListener('pageshow', (event) => window.pageshows.push(event.persisted));
