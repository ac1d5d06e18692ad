export { main } from './main.js';
export { buildProgram, type CliIo } from './program.js';
