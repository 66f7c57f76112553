// The collector is the one the page was opened with: proxied.html?collector=<url>.
tracker.init({ url: new URLSearchParams(location.search).get('collector'), source: 'e2e-proxied' });
