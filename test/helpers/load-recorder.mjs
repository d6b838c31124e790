// @ts-check
// `node --import ./load-recorder.mjs`: appends the URL of every ES module the process loads (and of
// each CommonJS module imported from one) to the file named by $FUOTA_LOAD_LOG, one per line.
import { register } from 'node:module';

register('./load-recorder-hooks.mjs', import.meta.url, { data: { file: process.env['FUOTA_LOAD_LOG'] } });
