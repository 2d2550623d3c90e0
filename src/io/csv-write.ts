/** CSV writing lives in ./write.ts; this module name is kept for callers that import it from here. */
export { writeCsv, formatCsv, writeFileAtomic, csvField } from './write.js';
