import { main } from './main.js';

// The process entry point: bin/cinnabar.js loads the built copy, tests spawn this file through tsx.
process.exitCode = await main(process.argv);
