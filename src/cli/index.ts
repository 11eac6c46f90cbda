import * as nninit from '../index.js';

async function main(): Promise<void> {
  await nninit.ready();
  console.log(`nninit ${nninit.version}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
