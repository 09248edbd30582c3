export * from './sam.js';
export * from './gam.js';
