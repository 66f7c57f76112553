// The page initialises the tracker itself, with the collector its markup names.
tracker.init({ url: document.body.getAttribute('data-collector'), source: 'e2e-clobbered-init' });
