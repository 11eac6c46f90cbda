// How every browser test launches Chromium: the system one (CI: `apt-get install -y chromium`),
// never a browser that Playwright downloads. NNINIT_CHROMIUM points elsewhere on other machines.
export const chromiumPath = process.env.NNINIT_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox', // CI runs as root, where Chromium's sandbox refuses to start
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
