export * from './ai4i.js';
export * from './cmapss.js';
export * from './steel-energy.js';
